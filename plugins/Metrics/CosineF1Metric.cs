using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's clustering F1 of its cosine clustering (normalised k-means centroids, inner-product assignment). (<c>c_f1</c>)</summary>
[Metric("c_f1", Minimum = 0, Maximum = 1, OrderInvariant = false, Description = "The original's clustering F1 of its cosine clustering (normalised k-means centroids, inner-product assignment).")]
public sealed class CosineF1Metric : IMetric
{
    public CosineF1Metric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { CosineKMeans = true };

    public double Compute(IEvaluationData data) => ClusteringScores.F1(data.Labels, data.Clustering(cosine: true).Assignments);
}
