using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>The original's mean average precision over as many cosine nearest neighbours as the query's class has samples. (<c>c_mAP_c</c>)</summary>
[Metric("c_mAP_c", Minimum = 0, Maximum = 1, Description = "The original's mean average precision over as many cosine nearest neighbours as the query's class has samples.")]
public sealed class CosineMapClassSizeMetric(ComponentSpec spec) : OriginalMapMetric(spec, cosine: true, MapDepth.ClassSize);
