using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over as many cosine nearest neighbours as the query's class has samples. (<c>c_mAP_c</c>)</summary>
[Metric("c_mAP_c", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over as many cosine nearest neighbours as the query's class has samples.")]
public sealed class CosineMapClassSizeMetric : IMetric
{
    public CosineMapClassSizeMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { CosineRanksToClassSize = true };

    public double Compute(IEvaluationData data) => AveragePrecision.Original(data, cosine: true, depth: 0, perClassSize: true);
}
