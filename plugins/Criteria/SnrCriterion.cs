using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Signal-to-noise-ratio triplet loss (Yuan et al. 2019): the variance of a pair's difference relative to the
/// anchor's variance replaces the distance, plus a penalty on the anchors' coordinate sums (off with the
/// <c>distance</c> miner, as in the original).
/// </summary>
[Criterion("snr", Options = typeof(SnrOptions),
    AllowedMiners = ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"],
    Description = "Signal-to-noise-ratio triplet loss over mined triplets.")]
public sealed class SnrCriterion(SnrOptions options, IBatchMiner miner) : Criterion("snr")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(miner, batch);
        var regLambda = miner.Name == "distance" ? 0 : options.RegLambda;
        return Compute(batch.Embeddings, tuples, options.Margin, regLambda);
    }

    public static Tensor Compute(Tensor embeddings, MinedTuples tuples, double margin, double regLambda)
    {
        if (tuples.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var signal = anchors.var(1);
        // Positive and negative pairs in one gather and one variance pass: row 0 the positives, row 1 the negatives.
        var others = embeddings.index_select(0, tuples.PositivesThenNegatives).view(2, tuples.Count, embeddings.shape[1]);
        var noise = anchors.sub(others).var(2).div(signal);
        var hinge = nn.functional.relu(noise[0].sub(noise[1]).add(margin));
        // The original divides by the active count even when it is zero (a NaN); an all-zero hinge gives 0 here.
        var loss = Reducers.SumOverActive(hinge, hinge.gt(0).sum());
        if (regLambda != 0)
        {
            // Skipped at weight 0 (the distance miner's case) rather than added as 0 x penalty: same loss and gradients.
            loss = loss.add(anchors.sum(1).abs().mean().mul(regLambda));
        }
        return loss.MoveToOuterDisposeScope();
    }
}
