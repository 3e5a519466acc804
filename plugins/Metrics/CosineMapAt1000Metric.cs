using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over the 1000 cosine nearest neighbours, normalised by the class size. (<c>c_mAP_1000</c>)</summary>
[Metric("c_mAP_1000", Minimum = 0, Description = "The original's mean average precision over the 1000 cosine nearest neighbours, normalised by the class size.")]
public sealed class CosineMapAt1000Metric : IMetric
{
    public CosineMapAt1000Metric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { CosineRankDepth = 1000 };

    public double Compute(IEvaluationData data) => AveragePrecision.Original(data, cosine: true, depth: 1000, perClassSize: false);
}
