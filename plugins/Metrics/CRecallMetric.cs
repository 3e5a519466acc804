using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>Recall@k over cosine similarity of the normalised embeddings, the sample itself excluded (<c>c_recall@k</c>).</summary>
[Metric("c_recall", Minimum = 0, Maximum = 1, ExampleArgument = "1", Description = "Recall@k over cosine-similarity k nearest neighbours, query excluded. Use as c_recall@k.")]
public sealed class CRecallMetric(ComponentSpec spec) : IMetric
{
    private readonly int _k = MetricArguments.PositiveK(spec, "c_recall@1");

    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, _k);

    public double Compute(IEvaluationData data) => RecallAtK.Compute(data.Labels, data.NearestNeighbourLabels(_k, cosine: true), _k);
}
