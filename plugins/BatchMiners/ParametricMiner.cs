using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// The base repository's <c>parametric</c> miner: anchors with a positive in the batch get a random positive
/// and a negative drawn from a fixed distribution over distance bins (<c>--miner_parametric_mode</c>).
/// </summary>
[BatchMiner("parametric", Options = typeof(ParametricMinerOptions),
    Description = "Random positive, negative drawn from a fixed distribution over distance bins (miner_parametric_mode).")]
public sealed class ParametricMiner : IBatchMiner
{
    private readonly double[] _support;
    private readonly double[] _distribution;
    private readonly (double Low, double High) _limits;

    public ParametricMiner(ParametricMinerOptions options)
    {
        if (options.SupportLim.Length != 2)
        {
            throw new ArgumentException($"--miner_parametric_support_lim takes two values, lower and upper (got {options.SupportLim.Length}).");
        }
        _limits = (options.SupportLim[0], options.SupportLim[1]);
        _support = Support(_limits.Low, _limits.High, options.NSupport);
        _distribution = SampleDistribution(options.Mode, _support);
    }

    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(labels);
        var anchors = BatchMasks.Indices(BatchMasks.HasTuple(sameClass));
        var positives = RowSampling.Choose(BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors), random, "parametric miner (positives)");
        var negatives = RowSampling.Choose(NegativeWeights(embeddings, sameClass, anchors), random,
            "parametric miner (negatives)");
        return new MinedTriplets(anchors, positives, negatives);
    }

    /// <summary>
    /// Per anchor, the probability of each negative: the distribution's value at the bin its distance falls in
    /// (bin b holds distances above b inner support points), renormalised over the anchor's negatives.
    /// </summary>
    internal Tensor NegativeWeights(Tensor embeddings, Tensor sameClass, long[] anchors)
    {
        using var scope = NewDisposeScope();
        var distances = BatchMasks.Rows(PairwiseDistances.Euclidean(embeddings, floor: 1e-4), anchors).to(float64);
        var inner = tensor(_support[1..^1], float64, distances.device);
        var bins = distances.unsqueeze(2).gt(inner).sum(2);
        var weights = tensor(_distribution, float64, distances.device).index_select(0, bins.reshape(-1)).reshape(bins.shape);
        // The original meant to zero distances outside the support but joins the two tests with "and", so
        // only limits given in reverse order ever exclude anything; kept as it computes.
        var outside = distances.lt(_limits.Low).logical_and(distances.gt(_limits.High));
        weights = weights.masked_fill(outside, 0).masked_fill(BatchMasks.Rows(sameClass, anchors), 0);
        return (weights / weights.sum(1, keepdim: true)).MoveToOuterDisposeScope();
    }

    internal double[] Distribution => _distribution;

    /// <summary>Evenly spaced points from low to high, rounded as numpy's linspace (i * step + low, the last exactly high).</summary>
    private static double[] Support(double low, double high, int count)
    {
        var step = (high - low) / (count - 1);
        var points = Enumerable.Range(0, count).Select(i => i * step + low).ToArray();
        points[^1] = high;
        return points;
    }

    /// <summary>
    /// The distribution over bins for a mode, clipped to [1e-15, 1] and normalised. Modes other than uniform
    /// start from the support values themselves and set the wanted range to 1, the rest to 0, as the original
    /// (its semihards mode sets nothing to 0, so support values outside [0.3, 0.7] keep their own value).
    /// </summary>
    internal static double[] SampleDistribution(string mode, double[] support)
    {
        var values = mode switch
        {
            "uniform" => [.. Enumerable.Repeat(1.0, support.Length - 1)],
            "hards" => support.Select(s => s <= 0.5 ? 1.0 : 0.0).ToArray(),
            "semihards" => support.Select(s => s is >= 0.3 and <= 0.7 ? 1.0 : s).ToArray(),
            "veryhards" => support.Select(s => s <= 0.3 ? 1.0 : 0.0).ToArray(),
            _ => throw new ArgumentException($"--miner_parametric_mode {mode} is not one of uniform, hards, semihards, veryhards."),
        };
        var clipped = values.Select(v => Math.Clamp(v, 1e-15, 1.0)).ToArray();
        var total = clipped.Sum();
        return [.. clipped.Select(v => v / total)];
    }
}
