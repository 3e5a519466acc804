using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Every sample is an anchor with a random positive and a semihard negative: farther from the anchor than
/// the positive, but by less than the margin; a random negative when the batch has none (the original's
/// <c>semihard</c> miner, FaceNet-style).
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
        var anchors = Enumerable.Range(0, (int)sameClass.shape[0]).Select(i => (long)i).ToArray();
        var positives = RowSampling.Choose(BatchMasks.WithoutSelf(sameClass), random,
            "semihard miner (positives; every class in a batch needs --samples_per_class 2 or more)");
        var negatives = RowSampling.Choose(NegativeCandidates(distances, sameClass, positives, options.Margin), random,
            "semihard miner (negatives; a batch needs at least two classes)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>
    /// For each anchor (row) and its chosen positive: the semihard negatives d(a,p) &lt; d(a,n) &lt; d(a,p) + margin,
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
