using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over min(1023, N) Euclidean nearest neighbours, normalised by the class size. (<c>mAP_lim</c>)</summary>
[Metric("mAP_lim", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over min(1023, N) Euclidean nearest neighbours, normalised by the class size.")]
public sealed class MapLimMetric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: false, MapDepth.FaissLimit);
