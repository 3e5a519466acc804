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
        // Masks are built as the entries each term leaves out, which is what masked_fill takes.
        var sameClass = LabelMasks.Same(labels);
        var notPositive = sameClass.logical_not().logical_or(eye(labels.shape[0], dtype: ScalarType.Bool, device: labels.device));

        // Bounds are selection thresholds, not part of the objective's gradient (the original compares against them only).
        using var detached = sims.detach();
        var hardestPositive = detached.masked_fill(notPositive, double.PositiveInfinity).amin([dim], keepdim: true);
        var hardestNegative = detached.masked_fill(sameClass, double.NegativeInfinity).amax([dim], keepdim: true);
        // A positive counts while less similar than the hardest negative plus the margin, a negative while more similar
        // than the hardest positive minus it; everything else is left out of the sums.
        var excludedPositive = notPositive.logical_or(detached.sub(options.Margin).ge(hardestNegative));
        var excludedNegative = sameClass.logical_or(detached.add(options.Margin).le(hardestPositive));

        // Positive and negative terms share every step but their constants, so they run as one [2, B, B] stack
        // (slice 0 positives, slice 1 negatives): half the operations and autograd nodes of two separate passes.
        var thresholds = tensor(new[] { options.PosThresh, options.NegThresh }, dtype: sims.dtype, device: sims.device).view(2, 1, 1);
        var weights = tensor(new[] { -options.PosWeight, options.NegWeight }, dtype: sims.dtype, device: sims.device).view(2, 1, 1);
        var scales = tensor(new[] { 1 / Math.Abs(options.PosWeight), 1 / Math.Abs(options.NegWeight) }, dtype: sims.dtype, device: sims.device);
        var weighted = sims.unsqueeze(0).sub(thresholds).mul(weights);
        var terms = MaskedLogSumExp.Excluding(weighted, stack([excludedPositive, excludedNegative]), dim + 1).mean([1, 2]);
        var loss = nn.functional.softplus(terms).mul(scales).sum();
        return loss.MoveToOuterDisposeScope();
    }
}
