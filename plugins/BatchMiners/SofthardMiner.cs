using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Soft hard mining (the original's <c>softhard</c> miner): every sample whose class has another sample is
/// an anchor; its positive is drawn from positives farther than its nearest negative and its negative from
/// negatives nearer than its farthest positive, falling back to any positive / negative when there are none. A
/// batch of one class has no anchor (the original fails on it).
/// </summary>
[BatchMiner("softhard", Description = "Random hard positive and hard negative per anchor (any one when none is hard).")]
public sealed class SofthardMiner : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var (positiveCandidates, negativeCandidates) = Candidates(PairwiseDistances.Euclidean(embeddings), sameClass, anchors);
        var positives = RowSampling.Choose(positiveCandidates, random, "softhard miner (positives)");
        var negatives = RowSampling.Choose(negativeCandidates, random, "softhard miner (negatives)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>Per anchor: the positives and the negatives that violate the triplet constraint, or all of them where none does.</summary>
    internal static (Tensor Positives, Tensor Negatives) Candidates(Tensor distances, Tensor sameClass, long[] anchors)
    {
        using var scope = NewDisposeScope();
        var d = BatchMasks.Rows(distances, anchors);
        var positives = BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors);
        var negatives = BatchMasks.Rows(sameClass.logical_not(), anchors);
        var farthestPositive = d.masked_fill(positives.logical_not(), double.NegativeInfinity).max(1, keepdim: true).values;
        var nearestNegative = d.masked_fill(negatives.logical_not(), double.PositiveInfinity).min(1, keepdim: true).values;
        var hardNegatives = negatives.logical_and(d.lt(farthestPositive));
        var hardPositives = positives.logical_and(d.gt(nearestNegative));
        return (
            where(hardPositives.any(1, keepdim: true), hardPositives, positives).MoveToOuterDisposeScope(),
            where(hardNegatives.any(1, keepdim: true), hardNegatives, negatives).MoveToOuterDisposeScope());
    }
}
