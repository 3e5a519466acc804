using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over as many Euclidean nearest neighbours as the query's class has samples. (<c>mAP_c</c>)</summary>
[Metric("mAP_c", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over as many Euclidean nearest neighbours as the query's class has samples.")]
public sealed class MapClassSizeMetric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: false, MapDepth.ClassSize);
