using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's clustering F1 over sample pairs, k-means clusters against classes. (<c>f1</c>)</summary>
[Metric("f1", Minimum = 0, Maximum = 1, OrderInvariant = false, Description = "The original's clustering F1 over sample pairs, k-means clusters against classes.")]
public sealed class F1Metric : IMetric
{
    public F1Metric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { KMeans = true };

    public double Compute(IEvaluationData data) => ClusteringScores.F1(data.Labels, data.Clustering(cosine: false).Assignments);
}
