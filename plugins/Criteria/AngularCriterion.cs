using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Angular loss (Wang et al. 2017) combined with N-pair as in the base repository: the angular term on normalised
/// embeddings bounds the angle at each negative, the N-pair term (logits clamped to [-50, 50]) works on the raw
/// embeddings, and an L2 penalty keeps those bounded.
/// </summary>
[Criterion("angular", Options = typeof(AngularOptions), AllowedMiners = ["npair"],
    Description = "Angular loss plus N-pair over anchor-positive pairs from the npair miner.")]
public sealed class AngularCriterion(AngularOptions options) : Criterion("angular")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(batch, "angular");
        return Compute(batch.Embeddings, batch.Labels, tuples, options);
    }

    public static Tensor Compute(Tensor embeddings, Tensor labels, MinedTuples tuples, AngularOptions options)
    {
        using var scope = NewDisposeScope();
        var tan = Math.Tan(Math.PI / 180 * options.Alpha);
        var tanSquared = tan * tan;
        var mask = NPairTerms.NegativeMask(labels, tuples.Anchors);

        var normalized = nn.functional.normalize(embeddings, dim: 1);
        var anchorsN = normalized.index_select(0, tuples.Anchors);
        var positivesN = normalized.index_select(0, tuples.Positives);
        var toNegatives = anchorsN.add(positivesN).mm(normalized.t()).mul(4 * tanSquared);
        var toPositive = anchorsN.mul(positivesN).sum(1, keepdim: true).mul(2 * (1 + tanSquared));
        var angular = Reducers.LogOnePlusSumExp(toNegatives.sub(toPositive), mask).mean();

        var anchors = embeddings.index_select(0, tuples.Anchors);
        var positives = embeddings.index_select(0, tuples.Positives);
        var npairLogits = NPairTerms.Logits(anchors, positives, embeddings).clamp(-50, 50);
        var npair = Reducers.LogOnePlusSumExp(npairLogits, mask).mean();

        return npair.add(angular.mul(options.NPairAngWeight))
            .add(NPairTerms.MeanNorm(embeddings).mul(options.NPairL2)).MoveToOuterDisposeScope();
    }
}
