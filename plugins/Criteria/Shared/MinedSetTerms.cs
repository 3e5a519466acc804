using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>
/// Mined anchor sets (the npair and lifted miners' output) as tensors on the batch's device: anchor indices and
/// [A, B] positive and negative masks, so that set losses handle all anchors in one masked matrix.
/// </summary>
public sealed class MinedSetTerms : IDisposable
{
    public MinedSetTerms(MinedSets sets, Device device)
    {
        Count = sets.Count;
        Anchors = tensor(sets.Anchors, dtype: int64, device: device);
        // The masks belong to the miner's result (freed with the step's dispose scope); only the index tensor is owned here.
        Positives = sets.Positives.device == device ? sets.Positives : sets.Positives.to(device);
        Negatives = sets.Negatives.device == device ? sets.Negatives : sets.Negatives.to(device);
    }

    public int Count { get; }

    public Tensor Anchors { get; }

    public Tensor Positives { get; }

    public Tensor Negatives { get; }

    /// <summary>Runs the batch's miner for anchor sets on detached embeddings.</summary>
    public static MinedSetTerms Mine(CriterionBatch batch, string criterion)
    {
        var miner = batch.Miner ?? throw new InvalidOperationException(
            $"Criterion '{criterion}' needs a batch miner (--batch_mining) but the batch carries none.");
        using var detached = batch.Embeddings.detach();
        return new MinedSetTerms(miner.MineSets(detached, batch.Labels, batch.Random), batch.Embeddings.device);
    }

    public void Dispose() => Anchors.Dispose();
}
