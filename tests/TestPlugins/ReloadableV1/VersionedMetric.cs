using NirHost.Abstractions;

namespace NirHost.TestPlugins.Reloadable;

/// <summary>Reports its build's version, so a test can tell which build the host has loaded.</summary>
[Metric("versioned", Description = "version 1")]
public sealed class VersionedMetric(ComponentSpec spec) : IMetric
{
    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

    public double Compute(IEvaluationData data) => 1;
}
