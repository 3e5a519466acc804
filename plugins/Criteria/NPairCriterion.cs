using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// N-pair loss (Sohn 2016): each anchor's positive must be more similar than every other-class sample,
/// log(1 + sum_n exp(a.n - a.p)), plus an L2 penalty on the (unnormalised) embeddings.
/// </summary>
[Criterion("npair", Options = typeof(NPairOptions), AllowedMiners = ["npair"],
    Description = "N-pair loss over anchor-positive pairs from the npair miner, with an L2 embedding penalty.")]
public sealed class NPairCriterion(NPairOptions options) : Criterion("npair")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(batch, "npair");
        return Compute(batch.Embeddings, batch.Labels, tuples, options.L2);
    }

    public static Tensor Compute(Tensor embeddings, Tensor labels, MinedTuples tuples, double l2)
    {
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var positives = embeddings.index_select(0, tuples.Positives);
        var logits = NPairTerms.Logits(anchors, positives, embeddings);
        var mask = NPairTerms.NegativeMask(labels, tuples.Anchors);
        var loss = Reducers.LogOnePlusSumExp(logits, mask).mean();
        // The original adds l2 * mean|x| / A once per anchor: l2 * mean|x| in total.
        return loss.add(NPairTerms.MeanNorm(embeddings).mul(l2)).MoveToOuterDisposeScope();
    }
}
