using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Metrics;

/// <summary>
/// The original's embedding-space distances (<c>metrics/dists.py</c>): <c>dists@intra</c>, the mean over classes
/// of the mean cosine distance between two different members; <c>dists@inter</c>, the mean cosine distance
/// between two different classes' normalised mean embeddings; <c>dists@intra_over_inter</c>, their ratio.
/// </summary>
[Metric("dists", Minimum = 0, ExampleArgument = "intra", Description = "Cosine distances within (intra) and between (inter) classes. Use as dists@intra, dists@inter or dists@intra_over_inter.")]
public sealed class DistsMetric : IMetric
{
    private readonly string _mode;

    public DistsMetric(ComponentSpec spec)
    {
        _mode = spec.Argument ?? "";
        if (_mode is not ("intra" or "inter" or "intra_over_inter"))
        {
            throw new ArgumentException($"Metric '{spec.FullName}' needs a mode: dists@intra, dists@inter or dists@intra_over_inter.");
        }
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public double Compute(IEvaluationData data)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = data.Embeddings.to(float64);
        var labels = tensor(data.Labels.Select(l => (long)l).ToArray());
        var sizes = data.ClassSizes;
        var classes = data.NumClasses;
        var intra = 0.0;
        var inter = 0.0;
        if (_mode.Contains("intra", StringComparison.Ordinal))
        {
            // Summed over all ordered pairs (i, i) included, cosine distances are n^2 - |sum of unit vectors|^2.
            var unitSums = zeros(classes, x.shape[1], dtype: float64).index_add_(0, labels, nn.functional.normalize(x, dim: 1), alpha: 1);
            var squared = unitSums.square().sum(1).data<double>().ToArray();
            var perClass = new double[classes];
            for (var c = 0; c < classes; c++)
            {
                double n = sizes[c];
                // One sample: the original divides its zero self-distance by zero.
                perClass[c] = sizes[c] == 1 ? double.NaN : (n * n - squared[c]) / (n * n - n);
            }
            intra = MeanWithOriginalNanFill(perClass);
        }
        if (_mode.Contains("inter", StringComparison.Ordinal))
        {
            var means = zeros(classes, x.shape[1], dtype: float64).index_add_(0, labels, x, alpha: 1)
                .div_(tensor(sizes.Select(s => (double)s).ToArray(), dtype: float64).unsqueeze(1));
            var centres = nn.functional.normalize(means, dim: 1);
            double c = classes;
            // As for intra: summed over all ordered pairs of unit centres, cosine distances are C^2 - |sum|^2.
            var squared = centres.sum(dim: 0).square().sum().item<double>();
            inter = (c * c - squared) / (c * c - c);
        }
        return _mode switch
        {
            "intra" => intra,
            "inter" => inter,
            _ => intra / Math.Max(inter, 1e-8),
        };
    }

    /// <summary>
    /// A class of one sample has no pair (0/0). The original fills such entries with
    /// <c>np.max(intra_dists[1 - np.isnan(intra_dists)])</c>, an integer index array, so the fill is the largest
    /// of entries 0 and 1 it points at (entry 1 for every defined class, entry 0 for every undefined one).
    /// </summary>
    private static double MeanWithOriginalNanFill(double[] perClass)
    {
        if (perClass.Any(double.IsNaN))
        {
            var picked = perClass.Select(v => double.IsNaN(v) ? perClass[0] : perClass[Math.Min(1, perClass.Length - 1)]).ToArray();
            var fill = picked.Any(double.IsNaN) ? double.NaN : picked.Max();
            for (var i = 0; i < perClass.Length; i++)
            {
                if (double.IsNaN(perClass[i]))
                {
                    perClass[i] = fill;
                }
            }
        }
        return perClass.Average();
    }
}
