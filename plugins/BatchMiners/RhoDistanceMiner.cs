using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Spectrum-regularised distance-weighted mining (Roth et al. 2020, the original's <c>rho_distance</c> miner).
/// Each anchor with a positive in the batch gets a distance-weighted triplet as in <c>distance</c>; with
/// probability <c>--miner_rho_distance_cp</c> it gets a "push" triplet instead: itself as positive and a
/// random sample of its own class as negative, which spreads the embedding's singular value spectrum.
/// </summary>
[BatchMiner("rho_distance", FollowsLabels = false, Options = typeof(RhoDistanceMinerOptions),
    Description = "Distance-weighted triplets, some replaced by same-class pushes with probability miner_rho_distance_cp.")]
public sealed class RhoDistanceMiner(RhoDistanceMinerOptions options) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        // A batch of one class has no negative to weigh: no anchor, as with one sample per class.
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var push = anchors.Select(_ => random.NextDouble() < options.ContrastiveProbability).ToArray();
        var others = BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors);
        var positives = RowSampling.Choose(others, random, "rho_distance miner (positives)");
        var weights = NegativeWeights(embeddings, sameClass, anchors, options.LowerCutoff);
        var negatives = RowSampling.Choose(weights, random,
            "rho_distance miner (negatives; needs L2-normalised embeddings, e.g. an architecture with _normalize)");
        // A push triplet (a, a, p): the same-class sample drawn as positive serves as its negative.
        for (var i = 0; i < anchors.Length; i++)
        {
            if (push[i])
            {
                negatives[i] = positives[i];
                positives[i] = anchors[i];
            }
        }
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>Negative weights of the kept anchors: inverse sphere density, distances floored as the original's rho pdist (1e-4 on squares).</summary>
    internal static Tensor NegativeWeights(Tensor embeddings, Tensor sameClass, long[] anchors, double lowerCutoff)
    {
        using var scope = NewDisposeScope();
        var distances = PairwiseDistances.Euclidean(embeddings, floor: 1e-4).clamp_min(lowerCutoff);
        return InverseSphereWeights.Compute(BatchMasks.Rows(distances, anchors), BatchMasks.Rows(sameClass, anchors), embeddings.shape[1])
            .MoveToOuterDisposeScope();
    }
}
