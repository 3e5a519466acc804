using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>
/// R-precision as pytorch-metric-learning defines it (<c>r_precision</c>): the share of the query's own class
/// among its first R Euclidean neighbours, R the number of other samples of that class; samples alone in
/// their class are left out.
/// </summary>
[Metric("r_precision", Minimum = 0, Maximum = 1, Description = "R-precision as pytorch-metric-learning defines it, over Euclidean neighbours.")]
public sealed class RPrecisionMetric : IMetric
{
    public RPrecisionMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { EuclideanRanksToClassSize = true };

    public double Compute(IEvaluationData data) => AveragePrecision.AtR(data, cosine: false).RPrecision;
}
