using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over the 1000 cosine nearest neighbours, normalised by the class size. (<c>c_mAP_1000</c>)</summary>
[Metric("c_mAP_1000", Minimum = 0, Description = "The original's mean average precision over the 1000 cosine nearest neighbours, normalised by the class size.")]
public sealed class CosineMapAt1000Metric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: true, MapDepth.Thousand);
