using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Every sample is an anchor with a random positive and a semihard negative: farther from the anchor than
/// the positive, but by less than the margin; a random negative when the batch has none (the original's
/// <c>semihard</c> miner, FaceNet-style). Anchors alone in their class or in a batch of one class are left out
/// (the original fails on them).
/// </summary>
[BatchMiner("semihard", Options = typeof(SemihardMinerOptions),
    Description = "Random positive, a negative within the margin beyond it (random negative when none).")]
public sealed class SemihardMiner(SemihardMinerOptions options) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var distances = PairwiseDistances.Euclidean(embeddings);
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var positives = RowSampling.Choose(BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors), random, "semihard miner (positives)");
        var negatives = RowSampling.Choose(
            NegativeCandidates(BatchMasks.Rows(distances, anchors), BatchMasks.Rows(sameClass, anchors), positives, options.Margin), random,
            "semihard miner (negatives)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>
    /// For each anchor (row of the [anchors, B] masks) and its chosen positive: the semihard negatives d(a,p) &lt; d(a,n) &lt; d(a,p) + margin,
    /// or all negatives where there are none.
    /// </summary>
    internal static Tensor NegativeCandidates(Tensor distances, Tensor sameClass, long[] positives, double margin)
    {
        using var scope = NewDisposeScope();
        var negatives = sameClass.logical_not();
        var positiveDistance = distances.gather(1, tensor(positives, device: distances.device).unsqueeze(1));
        var semihard = negatives
            .logical_and(distances.gt(positiveDistance))
            .logical_and(distances.lt(positiveDistance + margin));
        return where(semihard.any(1, keepdim: true), semihard, negatives).MoveToOuterDisposeScope();
    }
}
