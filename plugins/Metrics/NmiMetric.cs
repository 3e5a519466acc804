using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>Normalised mutual information between k-means clusters (k = number of classes, 20 iterations) and classes, as the original. (<c>nmi</c>)</summary>
[Metric("nmi", Minimum = 0, Maximum = 1, OrderInvariant = false, Description = "Normalised mutual information between k-means clusters (k = number of classes, 20 iterations) and classes, as the original.")]
public sealed class NmiMetric : IMetric
{
    public NmiMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { KMeans = true };

    public double Compute(IEvaluationData data) => ClusteringScores.Nmi(data.Labels, data.Clustering(cosine: false).Assignments);
}
