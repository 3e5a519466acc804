using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// N-pair loss (Sohn 2016): each anchor's positive must be more similar than each of its negatives,
/// log(1 + sum_n exp(a.n - a.p)), plus an L2 penalty on the (unnormalised) embeddings.
/// </summary>
[Criterion("npair", Options = typeof(NPairOptions), AllowedMiners = ["npair"],
    Description = "N-pair loss over the npair miner's anchors, positives and negative sets, with an L2 embedding penalty.")]
public sealed class NPairCriterion(NPairOptions options) : Criterion("npair")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var sets = MinedSetTerms.Mine(batch, "npair");
        return Compute(batch.Embeddings, sets, options.L2);
    }

    public static Tensor Compute(Tensor embeddings, MinedSetTerms sets, double l2)
    {
        if (sets.Count == 0)
        {
            return NPairTerms.Nothing(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, sets.Anchors);
        var logits = NPairTerms.Logits(anchors, embeddings, sets.Positives);
        var loss = Reducers.LogOnePlusSumExp(logits, sets.Negatives).mean();
        // The original adds l2 * mean|x| / A once per anchor: l2 * mean|x| in total.
        return loss.add(NPairTerms.MeanNorm(embeddings).mul(l2)).MoveToOuterDisposeScope();
    }
}
