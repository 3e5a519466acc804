using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Multi-similarity loss (Wang et al. 2019) with its built-in pair mining: a positive pair counts when it is
/// less similar than the hardest negative plus the margin, a negative when more similar than the hardest
/// positive minus the margin. Expects normalised embeddings (the original uses inner products as cosines).
/// </summary>
[Criterion("multisimilarity", Options = typeof(MultisimilarityOptions),
    Description = "Multi-similarity loss with its own pair selection; no batch miner.")]
public sealed class MultisimilarityCriterion(MultisimilarityOptions options) : Criterion("multisimilarity")
{
    public override Tensor forward(CriterionBatch batch) => Compute(batch.Embeddings, batch.Labels, options);

    public static Tensor Compute(Tensor embeddings, Tensor labels, MultisimilarityOptions options)
    {
        using var scope = NewDisposeScope();
        var dim = options.Dim;
        var sims = Distances.Similarities(embeddings, embeddings);
        var positives = LabelMasks.SameExcludingSelf(labels);
        var negatives = LabelMasks.Different(labels);

        // Bounds are selection thresholds, not part of the objective's gradient (the original compares against them only).
        using var detached = sims.detach();
        var hardestPositive = detached.masked_fill(positives.logical_not(), double.PositiveInfinity).amin([dim], keepdim: true);
        var hardestNegative = detached.masked_fill(negatives.logical_not(), double.NegativeInfinity).amax([dim], keepdim: true);
        var positiveMask = positives.logical_and(detached.sub(options.Margin).lt(hardestNegative));
        var negativeMask = negatives.logical_and(detached.add(options.Margin).gt(hardestPositive));

        var weightedPositive = sims.sub(options.PosThresh).mul(-options.PosWeight);
        var weightedNegative = sims.sub(options.NegThresh).mul(options.NegWeight);
        var positive = MaskedLogSumExp.Compute(weightedPositive, positiveMask, dim).mean();
        var negative = MaskedLogSumExp.Compute(weightedNegative, negativeMask, dim).mean();
        var loss = nn.functional.softplus(positive).div(Math.Abs(options.PosWeight))
            .add(nn.functional.softplus(negative).div(Math.Abs(options.NegWeight)));
        return loss.MoveToOuterDisposeScope();
    }
}
