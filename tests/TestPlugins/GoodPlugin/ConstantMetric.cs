using NirHost.Abstractions;

namespace NirHost.TestPlugins.Good;

/// <summary>A metric with an option, so tests can see a plugin's flags reach the command line.</summary>
[Metric("constant", Options = typeof(ConstantMetricOptions), Description = "Always reports --constant_value.")]
public sealed class ConstantMetric(ConstantMetricOptions options, ComponentSpec spec) : IMetric
{
    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public double Compute(IEvaluationData data) => options.Value;
}

public sealed class ConstantMetricOptions
{
    [Flag("constant_value", Help = "The value the constant metric reports.")]
    public double Value { get; set; } = 0.25;
}
