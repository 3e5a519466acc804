using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Contrastive loss over the positive and negative pairs of mined triplets: positives pulled within
/// <c>pos_margin</c>, negatives pushed beyond <c>neg_margin</c>, each term averaged on its own.
/// </summary>
[Criterion("contrastive", Options = typeof(ContrastiveOptions),
    AllowedMiners = ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"],
    Description = "Contrastive loss on the anchor-positive and anchor-negative pairs of mined triplets.")]
public sealed class ContrastiveCriterion(ContrastiveOptions options, IBatchMiner miner) : Criterion("contrastive")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(miner, batch);
        return Compute(batch.Embeddings, tuples, options);
    }

    public static Tensor Compute(Tensor embeddings, MinedTuples tuples, ContrastiveOptions options)
    {
        if (tuples.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        // Both pair sets in one gather and one distance pass: row 0 the positives, row 1 the negatives. The original
        // measures with nn.PairwiseDistance, whose epsilon keeps the gradient finite at coinciding rows.
        var others = embeddings.index_select(0, tuples.PositivesThenNegatives).view(2, tuples.Count, embeddings.shape[1]);
        var distances = Distances.PairwiseRows(anchors, others);
        var pull = nn.functional.relu(distances[0].sub(options.PosMargin)).mean();
        var push = nn.functional.relu(distances[1].neg().add(options.NegMargin)).mean();
        return pull.add(push).MoveToOuterDisposeScope();
    }
}
