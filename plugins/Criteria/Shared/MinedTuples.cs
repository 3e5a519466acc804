using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Mined triplets as index tensors on the batch's device, so tuple losses gather rows in one call each.</summary>
public sealed class MinedTuples : IDisposable
{
    public MinedTuples(MinedTriplets triplets, Device device)
    {
        Count = triplets.Count;
        if (triplets.Positives.Length != Count || triplets.Negatives.Length != Count)
        {
            throw new ArgumentException(
                $"Mined triplets disagree in length: {Count} anchors, {triplets.Positives.Length} positives, {triplets.Negatives.Length} negatives.");
        }
        // One [3, T] index tensor (anchors, positives, negatives) made in one transfer; the rows are views of it.
        var indices = new long[3 * Count];
        triplets.Anchors.CopyTo(indices, 0);
        triplets.Positives.CopyTo(indices, Count);
        triplets.Negatives.CopyTo(indices, 2 * Count);
        _all = tensor(indices, dtype: int64, device: device);
        Anchors = _all.narrow(0, 0, Count);
        Positives = _all.narrow(0, Count, Count);
        Negatives = _all.narrow(0, 2 * Count, Count);
        PositivesThenNegatives = _all.narrow(0, Count, 2 * Count);
        Source = triplets;
    }

    private readonly Tensor _all;

    public MinedTriplets Source { get; }

    public int Count { get; }

    public Tensor Anchors { get; }

    public Tensor Positives { get; }

    public Tensor Negatives { get; }

    /// <summary>[2T]: the positives, then the negatives, so that both pair sets are gathered in one call.</summary>
    public Tensor PositivesThenNegatives { get; }

    /// <summary>Runs the criterion's miner on the batch's detached embeddings, with the epoch's random source.</summary>
    public static MinedTuples Mine(IBatchMiner miner, CriterionBatch batch)
    {
        using var detached = batch.Embeddings.detach();
        return new MinedTuples(miner.Mine(detached, batch.Labels, batch.Random), batch.Embeddings.device);
    }

    public void Dispose()
    {
        Anchors.Dispose();
        Positives.Dispose();
        Negatives.Dispose();
        PositivesThenNegatives.Dispose();
        _all.Dispose();
    }
}
