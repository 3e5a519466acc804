using System.Reflection;
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
public sealed class SnrCriterion(SnrOptions options) : Criterion("snr")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(batch, "snr");
        var minerName = batch.Miner?.GetType().GetCustomAttribute<BatchMinerAttribute>()?.Name;
        var regLambda = minerName == "distance" ? 0 : options.RegLambda;
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
        var toPositive = anchors.sub(embeddings.index_select(0, tuples.Positives)).var(1).div(signal);
        var toNegative = anchors.sub(embeddings.index_select(0, tuples.Negatives)).var(1).div(signal);
        var hinge = nn.functional.relu(toPositive.sub(toNegative).add(margin));
        // The original divides by the active count even when it is zero (a NaN); an all-zero hinge gives 0 here.
        var loss = Reducers.SumOverActive(hinge, hinge.gt(0).sum());
        var regularizer = anchors.sum(1).abs().mean();
        return loss.add(regularizer.mul(regLambda)).MoveToOuterDisposeScope();
    }
}
