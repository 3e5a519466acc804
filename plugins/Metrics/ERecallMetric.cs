using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>
/// Recall@k with Euclidean nearest neighbours: the fraction of samples with at least one sample of their
/// own class among their k nearest neighbours, the sample itself excluded (<c>e_recall@k</c>).
/// </summary>
[Metric("e_recall", Minimum = 0, Maximum = 1, ExampleArgument = "1", Description = "Recall@k over Euclidean k nearest neighbours, query excluded. Use as e_recall@k.")]
public sealed class ERecallMetric(ComponentSpec spec) : IMetric
{
    private readonly int _k = MetricArguments.PositiveK(spec, "e_recall@1");

    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (_k, 0);

    public double Compute(IEvaluationData data) => RecallAtK.Compute(data.Labels, data.NearestNeighbourLabels(_k, cosine: false), _k);
}
