using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// N-pair mining (the original's <c>npair</c> miner): every sample whose class has another sample in the
/// batch is an anchor with one random positive and all samples of other classes as its negatives; a batch of one
/// class has none.
/// </summary>
[BatchMiner("npair", Mines = MinedKind.AnchorSets, Description = "Anchors with one random positive each and every other-class sample as negatives (sets).")]
public sealed class NPairMiner : IBatchMiner
{
    public MinedSets MineSets(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var (positiveCandidates, negatives) = Candidates(sameClass, anchors);
        var positives = RowSampling.Choose(positiveCandidates, random, "npair miner (positives)");
        var positiveMask = anchors.Length == 0
            ? zeros_like(positiveCandidates)
            : nn.functional.one_hot(tensor(positives, device: sameClass.device), sameClass.shape[1]).to_type(ScalarType.Bool);
        return new MinedSets(anchors, positiveMask.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope());
    }

    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        return SetTriplets.Expand(MineSets(embeddings, labels, random));
    }

    /// <summary>Rows per anchor: the positives one is drawn from, and the negatives (every other-class sample).</summary>
    internal static (Tensor Positives, Tensor Negatives) Candidates(Tensor sameClass, long[] anchors)
    {
        var positives = BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors);
        var negatives = BatchMasks.Rows(sameClass.logical_not(), anchors);
        return (positives, negatives);
    }
}
