using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Distance-weighted mining on randomly permuted labels (the base repository's <c>random_distance</c>
/// miner, an ablation): the batch's labels are shuffled first, so positives and negatives follow the
/// distance weighting but not the true classes.
/// </summary>
[BatchMiner("random_distance", FollowsLabels = false, Options = typeof(DistanceMinerOptions),
    Description = "Distance-weighted sampling after a random shuffle of the batch labels (ablation).")]
public sealed class RandomDistanceMiner(DistanceMinerOptions options) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var permutation = Enumerable.Range(0, (int)labels.shape[0]).Select(i => (long)i).ToArray();
        random.Shuffle(permutation);
        var shuffled = labels.reshape(-1).index_select(0, tensor(permutation, device: labels.device));
        var sameClass = BatchMasks.SameClass(shuffled);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var positives = RowSampling.Choose(BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors), random, "random_distance miner (positives)");
        var negatives = RowSampling.Choose(NegativeWeights(embeddings, sameClass, anchors, options.LowerCutoff), random,
            "random_distance miner (negatives; needs L2-normalised embeddings, e.g. an architecture with _normalize)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>Negative weights of the kept anchors given the (shuffled) labels' same-class mask.</summary>
    internal static Tensor NegativeWeights(Tensor embeddings, Tensor sameClass, long[] anchors, double lowerCutoff)
    {
        using var scope = NewDisposeScope();
        var distances = PairwiseDistances.Euclidean(embeddings).clamp_min(lowerCutoff);
        return InverseSphereWeights.Compute(BatchMasks.Rows(distances, anchors), BatchMasks.Rows(sameClass, anchors), embeddings.shape[1])
            .MoveToOuterDisposeScope();
    }
}
