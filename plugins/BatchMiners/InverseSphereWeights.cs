using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Distance-weighted sampling's negative weights (Wu et al. 2017, as the original computes them): pairwise
/// distances of points spread uniformly on the unit sphere in n dimensions have density
/// q(d) ∝ d^(n-2) (1 - d²/4)^((n-3)/2); negatives are drawn with weight 1/q(d).
/// </summary>
internal static class InverseSphereWeights
{
    /// <summary>
    /// Row-normalised weights 1/q(d) over each row's different-class entries; same-class entries get 0.
    /// As in the original, same-class log-weights are set to 0 before the row maximum is subtracted, and the
    /// distances are expected to be clamped from below already (<c>--miner_distance_lower_cutoff</c>).
    /// </summary>
    public static Tensor Compute(Tensor distances, Tensor sameClass, long dim)
    {
        using var scope = NewDisposeScope();
        var logInverse = (2.0 - dim) * distances.log() - ((dim - 3) / 2.0) * (1.0 - 0.25 * distances.pow(2)).log();
        logInverse = logInverse.masked_fill(sameClass, 0);
        var weights = (logInverse - logInverse.max(1, keepdim: true).values).exp().masked_fill(sameClass, 0);
        return (weights / weights.sum(1, keepdim: true)).MoveToOuterDisposeScope();
    }
}
