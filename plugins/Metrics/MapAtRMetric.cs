using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>
/// MAP@R as pytorch-metric-learning defines it (<c>mean_average_precision_at_r</c>): R is the number of other
/// samples of the query's class, precision is summed at the hits among the first R Euclidean neighbours and
/// divided by R; samples alone in their class are left out (<c>mAP@R</c>).
/// </summary>
[Metric("mAP", Minimum = 0, Maximum = 1, ExampleArgument = "R", Description = "MAP@R as pytorch-metric-learning defines it, over Euclidean neighbours. Use as mAP@R.")]
public sealed class MapAtRMetric : IMetric
{
    public MapAtRMetric(ComponentSpec spec)
    {
        if (spec.Argument != "R")
        {
            throw new ArgumentException($"Metric '{spec.FullName}' is not offered: use mAP@R (pytorch-metric-learning's MAP@R), mAP_1000, mAP_lim or mAP_c.");
        }
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { EuclideanRanksToClassSize = true };

    public double Compute(IEvaluationData data) => AveragePrecision.AtR(data, cosine: false).MapAtR;
}
