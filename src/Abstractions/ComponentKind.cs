namespace NirHost.Abstractions;

/// <summary>The kinds of plugin component. Each kind lives in its own folder under a plugins root.</summary>
public enum ComponentKind
{
    Criterion,
    BatchMiner,
    Sampler,
    Dataset,
    Metric,
    Architecture,
}

public static class ComponentKinds
{
    /// <summary>The folder a plugin of this kind is installed in, mirroring the original repository's taxonomy.</summary>
    public static string FolderName(this ComponentKind kind) => kind switch
    {
        ComponentKind.Criterion => "Criteria",
        ComponentKind.BatchMiner => "BatchMiners",
        ComponentKind.Sampler => "Samplers",
        ComponentKind.Dataset => "Datasets",
        ComponentKind.Metric => "Metrics",
        ComponentKind.Architecture => "Architectures",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The type a component of this kind derives from or implements; the host refuses a component that does not, and
    /// the conformance kit checks it.
    /// </summary>
    public static Type ContractOf(this ComponentKind kind) => kind switch
    {
        ComponentKind.Criterion => typeof(Criterion),
        ComponentKind.BatchMiner => typeof(IBatchMiner),
        ComponentKind.Sampler => typeof(IBatchSampler),
        ComponentKind.Dataset => typeof(IDataset),
        ComponentKind.Metric => typeof(IMetric),
        ComponentKind.Architecture => typeof(Architecture),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParseFolder(string folder, out ComponentKind kind)
    {
        foreach (var candidate in Enum.GetValues<ComponentKind>())
        {
            if (string.Equals(candidate.FolderName(), folder, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }
}
