using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>NMI of the original's cosine clustering (normalised k-means centroids, inner-product assignment). (<c>c_nmi</c>)</summary>
[Metric("c_nmi", Minimum = 0, Maximum = 1, OrderInvariant = false, Description = "NMI of the original's cosine clustering (normalised k-means centroids, inner-product assignment).")]
public sealed class CosineNmiMetric : IMetric
{
    public CosineNmiMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { CosineKMeans = true };

    public double Compute(IEvaluationData data) => ClusteringScores.Nmi(data.Labels, data.Clustering(cosine: true).Assignments);
}
