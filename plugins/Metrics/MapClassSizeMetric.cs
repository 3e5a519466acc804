using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over as many Euclidean nearest neighbours as the query's class has samples. (<c>mAP_c</c>)</summary>
[Metric("mAP_c", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over as many Euclidean nearest neighbours as the query's class has samples.")]
public sealed class MapClassSizeMetric : IMetric
{
    public MapClassSizeMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { EuclideanRanksToClassSize = true };

    public double Compute(IEvaluationData data) => AveragePrecision.Original(data, cosine: false, depth: 0, perClassSize: true);
}
