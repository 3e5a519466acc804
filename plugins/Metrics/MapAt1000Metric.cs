using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over the 1000 Euclidean nearest neighbours, normalised by the class size. (<c>mAP_1000</c>)</summary>
[Metric("mAP_1000", Minimum = 0, Description = "The original's mean average precision over the 1000 Euclidean nearest neighbours, normalised by the class size.")]
public sealed class MapAt1000Metric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: false, MapDepth.Thousand);
