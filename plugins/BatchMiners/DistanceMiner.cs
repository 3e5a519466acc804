using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Distance-weighted sampling (Wu et al. 2017, the original's <c>distance</c> miner): every sample is an
/// anchor with a random positive (itself when its class has no other sample, as the original) and a
/// negative drawn with weight inversely proportional to the density of its distance on the unit sphere. A batch of
/// one class has no negative and gives no triplet (the original fails on it).
/// </summary>
[BatchMiner("distance", Options = typeof(DistanceMinerOptions),
    Description = "Random positive, negative drawn by inverse sphere density of its distance (distance-weighted sampling).")]
public sealed class DistanceMiner(DistanceMinerOptions options) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasNegative(sameClass));
        var negatives = RowSampling.Choose(BatchMasks.Rows(NegativeWeights(embeddings, sameClass, options.LowerCutoff), anchors), random,
            "distance miner (negatives; needs L2-normalised embeddings, e.g. an architecture with _normalize)");
        var positives = RowSampling.Choose(BatchMasks.Rows(PositiveCandidates(sameClass), anchors), random, "distance miner (positives)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>Negative sampling weights per anchor (row-normalised): 1/q(d) over different-class samples.</summary>
    internal static Tensor NegativeWeights(Tensor embeddings, Tensor sameClass, double lowerCutoff)
    {
        using var scope = NewDisposeScope();
        var distances = PairwiseDistances.Euclidean(embeddings).clamp_min(lowerCutoff);
        return InverseSphereWeights.Compute(distances, sameClass, embeddings.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>Same-class samples other than the anchor, or the anchor itself when it is alone in its class.</summary>
    internal static Tensor PositiveCandidates(Tensor sameClass)
    {
        using var scope = NewDisposeScope();
        var others = BatchMasks.WithoutSelf(sameClass);
        return where(others.any(1, keepdim: true), others, sameClass).MoveToOuterDisposeScope();
    }
}
