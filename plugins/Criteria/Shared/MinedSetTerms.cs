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
        // The masks belong to the miner's result (freed with the step's dispose scope); owned here are the index
        // tensor and any copy made to move a mask to the batch's device.
        (_movedPositives, _movedNegatives) = (sets.Positives.device != device, sets.Negatives.device != device);
        Positives = sets.Positives.device == device ? sets.Positives : sets.Positives.to(device);
        Negatives = sets.Negatives.device == device ? sets.Negatives : sets.Negatives.to(device);
    }

    private readonly bool _movedPositives;
    private readonly bool _movedNegatives;

    public int Count { get; }

    public Tensor Anchors { get; }

    public Tensor Positives { get; }

    public Tensor Negatives { get; }

    /// <summary>Runs the criterion's miner for anchor sets on the batch's detached embeddings.</summary>
    public static MinedSetTerms Mine(IBatchMiner miner, CriterionBatch batch)
    {
        using var detached = batch.Embeddings.detach();
        return new MinedSetTerms(miner.MineSets(detached, batch.Labels, batch.Random), batch.Embeddings.device);
    }

    public void Dispose()
    {
        Anchors.Dispose();
        if (_movedPositives)
        {
            Positives.Dispose();
        }
        if (_movedNegatives)
        {
            Negatives.Dispose();
        }
    }
}
