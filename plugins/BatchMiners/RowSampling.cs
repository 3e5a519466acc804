using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Draws one column per row of a weight matrix, all rows at once: inverse-CDF sampling with one uniform
/// number from the miner's <see cref="Random"/> per row, so that mining stays reproducible per seed.
/// </summary>
internal static class RowSampling
{
    /// <summary>
    /// For each row, a column drawn with probability proportional to its non-negative weight (a boolean mask
    /// weighs its set entries equally). <paramref name="describe"/> names the miner and what it was choosing
    /// for the error raised when a row has nothing to choose from.
    /// </summary>
    public static long[] Choose(Tensor weights, Random random, string describe)
    {
        var rows = (int)weights.shape[0];
        if (rows == 0)
        {
            return [];
        }
        using var scope = NewDisposeScope();
        var w = weights.detach().to(float64).cpu();
        var cdf = w.cumsum(1);
        var totals = cdf.select(1, -1);
        var valid = totals.gt(0).logical_and(totals.isfinite());
        if (!valid.all().item<bool>())
        {
            var row = valid.logical_not().nonzero()[0, 0].item<long>();
            throw new InvalidOperationException(
                $"{describe}: anchor row {row} has no candidate (its weights sum to {totals[row].item<double>()}).");
        }
        var uniforms = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            uniforms[i] = random.NextDouble();
        }
        var thresholds = tensor(uniforms, float64) * totals;
        var chosen = cdf.le(thresholds.unsqueeze(1)).sum(1);
        // u * total can round up to total itself; fall back to the row's last candidate then.
        var columns = arange(w.shape[1], dtype: int64);
        var lastCandidate = w.gt(0).to(int64).mul(columns).max(1).values;
        return chosen.minimum(lastCandidate).data<long>().ToArray();
    }
}
