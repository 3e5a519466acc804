using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over min(1023, N) Euclidean nearest neighbours, normalised by the class size. (<c>mAP_lim</c>)</summary>
[Metric("mAP_lim", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over min(1023, N) Euclidean nearest neighbours, normalised by the class size.")]
public sealed class MapLimMetric : IMetric
{
    /// <summary>The original stops at 1023 neighbours, the most faiss searches on a GPU.</summary>
    private const int LimitOfFaiss = 1023;

    public MapLimMetric(ComponentSpec spec)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => new() { EuclideanRankDepth = LimitOfFaiss };

    public double Compute(IEvaluationData data) => AveragePrecision.Original(data, cosine: false, depth: Math.Min(LimitOfFaiss, data.Labels.Count), perClassSize: false);
}
