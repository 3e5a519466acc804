using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>How deep the original's mAP variants look into each query's neighbours.</summary>
public enum MapDepth
{
    /// <summary>The 1000 nearest (<c>mAP_1000</c>).</summary>
    Thousand,

    /// <summary>As many as the query's class has samples (<c>mAP_c</c>).</summary>
    ClassSize,

    /// <summary>min(1023, N): the original stops at 1023 neighbours, the most faiss searches on a GPU (<c>mAP_lim</c>).</summary>
    FaissLimit,
}

/// <summary>
/// The original's mean average precision variants (<c>mAP_1000</c>, <c>mAP_c</c>, <c>mAP_lim</c> and their cosine
/// <c>c_</c> twins), which differ only in the distance and the depth; see <see cref="AveragePrecision.Original"/>.
/// </summary>
public abstract class OriginalMapMetric : IMetric
{
    private const int FaissLimit = 1023;
    private readonly bool _cosine;
    private readonly MapDepth _depth;

    protected OriginalMapMetric(ComponentSpec spec, bool cosine, MapDepth depth)
    {
        MetricArguments.NoArgument(spec);
        Name = spec.FullName;
        (_cosine, _depth) = (cosine, depth);
    }

    public string Name { get; }

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public EvaluationNeeds Needs => (_depth, _cosine) switch
    {
        (MapDepth.ClassSize, false) => new() { EuclideanRanksToClassSize = true },
        (MapDepth.ClassSize, true) => new() { CosineRanksToClassSize = true },
        (_, false) => new() { EuclideanRankDepth = RankDepth },
        (_, true) => new() { CosineRankDepth = RankDepth },
    };

    private int RankDepth => _depth == MapDepth.Thousand ? 1000 : FaissLimit;

    public double Compute(IEvaluationData data) => _depth switch
    {
        MapDepth.ClassSize => AveragePrecision.Original(data, _cosine, depth: 0, perClassSize: true),
        MapDepth.Thousand => AveragePrecision.Original(data, _cosine, depth: 1000, perClassSize: false),
        _ => AveragePrecision.Original(data, _cosine, depth: Math.Min(FaissLimit, data.IsQueryGallery ? data.RankedCount : data.Labels.Count), perClassSize: false),
    };
}
