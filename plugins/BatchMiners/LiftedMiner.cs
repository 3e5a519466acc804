using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Lifted-structure mining (the original's <c>lifted</c> miner): every sample whose class has another sample
/// in the batch is an anchor with all its same-class samples as positives and all others as negatives (a batch of
/// one class has none).
/// Nothing is random.
/// </summary>
[BatchMiner("lifted", Mines = MinedKind.AnchorSets, Description = "Anchors with all their positives and all their negatives (sets; deterministic).")]
public sealed class LiftedMiner : IBatchMiner
{
    public MinedSets MineSets(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var positives = BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors);
        var negatives = BatchMasks.Rows(sameClass.logical_not(), anchors);
        return new MinedSets(anchors, positives.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope());
    }

    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        return SetTriplets.Expand(MineSets(embeddings, labels, random));
    }
}
