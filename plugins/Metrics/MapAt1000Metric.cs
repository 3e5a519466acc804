using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over the 1000 Euclidean nearest neighbours, normalised by the class size. (<c>mAP_1000</c>)</summary>
[Metric("mAP_1000", Minimum = 0, Description = "The original's mean average precision over the 1000 Euclidean nearest neighbours, normalised by the class size.")]
public sealed class MapAt1000Metric : IMetric
{
    public MapAt1000Metric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { EuclideanRankDepth = 1000 };

    public double Compute(IEvaluationData data) => AveragePrecision.Original(data, cosine: false, depth: 1000, perClassSize: false);
}
