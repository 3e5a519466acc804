using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// A sampler that composes batches from embeddings of the whole training split (the original's samplers with
/// <c>requires_storage</c>: coreset and batch-matching samplers). The host calls <see cref="BeginEpoch"/> before
/// each epoch's <see cref="IBatchSampler.Batches"/> and <see cref="Observe"/> after every training step.
/// </summary>
public interface IStorageBatchSampler : IBatchSampler
{
    /// <summary>
    /// Prepares an epoch. <paramref name="embedTrainingSet"/> embeds every training sample with the current
    /// model (evaluation transform, eval mode), returning [N, D] float32 CPU embeddings in training-split order
    /// that the caller then owns; it is costly, so call it only when the storage must be (re)built.
    /// </summary>
    void BeginEpoch(int epoch, Func<Tensor> embedTrainingSet);

    /// <summary>
    /// The embeddings the model produced for a training batch at <paramref name="indices"/> (the original's
    /// <c>replace_storage_entries</c>). The tensor is only valid during the call: copy what is kept.
    /// </summary>
    void Observe(IReadOnlyList<int> indices, Tensor embeddings);
}
