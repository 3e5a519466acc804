using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Mined triplets as index tensors on the batch's device, so tuple losses gather rows in one call each.</summary>
public sealed class MinedTuples : IDisposable
{
    public MinedTuples(MinedTriplets triplets, Device device)
    {
        Count = triplets.Count;
        Anchors = tensor(triplets.Anchors, dtype: int64, device: device);
        Positives = tensor(triplets.Positives, dtype: int64, device: device);
        Negatives = tensor(triplets.Negatives, dtype: int64, device: device);
        Source = triplets;
    }

    public MinedTriplets Source { get; }

    public int Count { get; }

    public Tensor Anchors { get; }

    public Tensor Positives { get; }

    public Tensor Negatives { get; }

    /// <summary>
    /// Runs the batch's miner on detached embeddings. A criterion that declares allowed miners gets one from the
    /// host; called without one (a direct caller forgot it) this names the criterion instead of failing later.
    /// </summary>
    public static MinedTuples Mine(CriterionBatch batch, string criterion)
    {
        var miner = batch.Miner ?? throw new InvalidOperationException(
            $"Criterion '{criterion}' needs a batch miner (--batch_mining) but the batch carries none.");
        using var detached = batch.Embeddings.detach();
        return new MinedTuples(miner.Mine(detached, batch.Labels, batch.Random), batch.Embeddings.device);
    }

    public void Dispose()
    {
        Anchors.Dispose();
        Positives.Dispose();
        Negatives.Dispose();
    }
}
