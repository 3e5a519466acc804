using NirHost.Abstractions;

namespace NirHost.TestPlugins.Duplicate;

/// <summary>Claims the name of the in-repo e_recall metric, which the host must refuse.</summary>
[Metric("e_recall")]
public sealed class SecondRecall(ComponentSpec spec) : IMetric
{
    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public double Compute(IEvaluationData data) => 0;
}
