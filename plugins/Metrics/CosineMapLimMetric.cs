using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over min(1023, N) cosine nearest neighbours, normalised by the class size. (<c>c_mAP_lim</c>)</summary>
[Metric("c_mAP_lim", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over min(1023, N) cosine nearest neighbours, normalised by the class size.")]
public sealed class CosineMapLimMetric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: true, MapDepth.FaissLimit);
