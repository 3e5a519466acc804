using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// A sampler or miner that carries state from one training step to the next outside any module (for example a
/// storage sampler's embeddings of the training set). The host saves it in every training checkpoint and restores it
/// on <c>--resume</c>, so that a resumed run continues exactly; without it the component would restart empty.
/// </summary>
public interface IResumableState
{
    /// <summary>The state as named tensors (the host writes them and does not dispose them); empty when there is none yet.</summary>
    IReadOnlyDictionary<string, Tensor> SaveState();

    /// <summary>Takes over a state <see cref="SaveState"/> gave; the tensors belong to the caller, so copy what is kept.</summary>
    void RestoreState(IReadOnlyDictionary<string, Tensor> state);
}
