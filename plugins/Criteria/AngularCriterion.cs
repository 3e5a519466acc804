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
    Description = "Angular loss plus N-pair over the npair miner's anchors, positives and negative sets.")]
public sealed class AngularCriterion(AngularOptions options, IBatchMiner miner) : Criterion("angular")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var sets = MinedSetTerms.Mine(miner, batch);
        return Compute(batch.Embeddings, sets, options);
    }

    public static Tensor Compute(Tensor embeddings, MinedSetTerms sets, AngularOptions options)
    {
        if (sets.Count == 0)
        {
            return NPairTerms.Nothing(embeddings);
        }
        using var scope = NewDisposeScope();
        var tan = Math.Tan(Math.PI / 180 * options.Alpha);
        var tanSquared = tan * tan;
        var positiveWeights = sets.Positives.to(embeddings.dtype);
        var positiveCounts = positiveWeights.sum(1, keepdim: true);

        var normalized = nn.functional.normalize(embeddings, dim: 1);
        var anchorsN = normalized.index_select(0, sets.Anchors);
        // The positive of each anchor (the mean of its set, which the npair miner makes a single sample).
        var positivesN = positiveWeights.mm(normalized).div(positiveCounts);
        var toNegatives = anchorsN.add(positivesN).mm(normalized.t()).mul(4 * tanSquared);
        var toPositive = anchorsN.mul(positivesN).sum(1, keepdim: true).mul(2 * (1 + tanSquared));
        var angular = Reducers.LogOnePlusSumExp(toNegatives.sub(toPositive), sets.Negatives).mean();

        var anchors = embeddings.index_select(0, sets.Anchors);
        var npairLogits = NPairTerms.Logits(anchors, embeddings, sets.Positives).clamp(-50, 50);
        var npair = Reducers.LogOnePlusSumExp(npairLogits, sets.Negatives).mean();

        return npair.add(angular.mul(options.NPairAngWeight))
            .add(NPairTerms.MeanNorm(embeddings).mul(options.NPairL2)).MoveToOuterDisposeScope();
    }
}
