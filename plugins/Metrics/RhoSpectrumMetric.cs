using System.Globalization;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Metrics;

/// <summary>
/// The original's spectral decay <c>rho_spectrum@MODE@FEATURES</c> (<c>metrics/rho_spectrum.py</c>): the
/// Kullback-Leibler divergence of the normalised singular value spectrum of the features (uncentred) from the
/// uniform distribution, KL(uniform || spectrum), over the largest min(embed_dim - 1, D - 1, 511) singular values
/// with the first |MODE| - 1 dropped. FEATURES is <c>embeds</c> or <c>avg_features</c> (the backbone's pooled
/// features). The base repository's two-part form <c>rho_spectrum@MODE</c> uses the embeddings and, for a
/// negative MODE, KL(spectrum || uniform).
/// </summary>
/// <remarks>
/// The original takes the singular values from scikit-learn's randomised TruncatedSVD; here they are exact
/// (eigenvalues of the float64 Gram matrix), which agrees with it wherever the randomised one is exact
/// (components + 10 oversamples covering all dimensions, as for embeddings) and is closer to the truth otherwise.
/// </remarks>
[Metric("rho_spectrum", Minimum = 0, ExampleArgument = "1@embeds", Description = "KL divergence of the singular value spectrum from uniform. Use as rho_spectrum@MODE@embeds or rho_spectrum@MODE@avg_features.")]
public sealed class RhoSpectrumMetric : IMetric
{
    private const int MaxComponents = 511;
    private readonly int _mode;
    private readonly bool _pooled;
    private readonly bool _baseRepositoryForm;

    public RhoSpectrumMetric(ComponentSpec spec)
    {
        var parts = (spec.Argument ?? "").Split('@');
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _mode)
            || (parts.Length == 2 && parts[1] is not ("embeds" or "avg_features"))
            || (parts.Length == 1 && _mode == 0))
        {
            throw new ArgumentException(
                $"Metric '{spec.FullName}' needs a mode and the features, as in rho_spectrum@1@embeds or rho_spectrum@2@avg_features (mode a nonzero integer).");
        }
        _pooled = parts.Length == 2 && parts[1] == "avg_features";
        _baseRepositoryForm = parts.Length == 1;
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { PooledFeatures = _pooled };

    public double Compute(IEvaluationData data)
    {
        var features = _pooled
            ? data.PooledFeatures ?? throw new InvalidOperationException($"Metric '{Name}' needs the backbone's pooled features, which were not collected.")
            : data.Embeddings;
        var embedDim = (int)data.Embeddings.shape[1];
        var components = Math.Min(Math.Min(embedDim - 1, (int)features.shape[1] - 1), MaxComponents);
        var singular = SingularValues(features).Take(components).Skip(Math.Abs(_mode) - 1).ToArray();
        if (singular.Length == 0)
        {
            throw new InvalidOperationException($"Metric '{Name}' drops {Math.Abs(_mode) - 1} of only {components} singular values.");
        }
        var total = singular.Sum();
        var uniform = 1.0 / singular.Length;
        var kl = 0.0;
        foreach (var s in singular)
        {
            var p = s / total;
            kl += _baseRepositoryForm && _mode < 0 ? p * Math.Log(p / uniform) : uniform * Math.Log(uniform / p);
        }
        return kl;
    }

    /// <summary>Singular values, largest first: square roots of the eigenvalues of X^T X, accumulated in float64 by blocks of rows.</summary>
    private static double[] SingularValues(Tensor features)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var n = features.shape[0];
        var d = features.shape[1];
        var gram = zeros(d, d, dtype: float64);
        const long block = 8192;
        for (long start = 0; start < n; start += block)
        {
            var rows = features.narrow(0, start, Math.Min(block, n - start)).to(float64);
            gram.add_(rows.t().mm(rows));
        }
        var eigenvalues = linalg.eigvalsh(gram).clamp_min(0).sqrt().flip(0);
        return eigenvalues.data<double>().ToArray();
    }
}
