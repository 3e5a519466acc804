using NirHost.Abstractions;

namespace NirHost.Host.Plugins;

/// <summary>The components available to a run, by kind and name.</summary>
public sealed class PluginCatalog(IReadOnlyList<ComponentDescriptor> components, IReadOnlyList<PluginProblem> problems, IReadOnlyList<string> conflicts,
    IReadOnlyList<ShadowedPlugin>? shadowed = null)
{
    public IReadOnlyList<ComponentDescriptor> Components { get; } = components;

    /// <summary>Plugins that failed to load or declared components in the wrong folder.</summary>
    public IReadOnlyList<PluginProblem> Problems { get; } = problems;

    /// <summary>Components of one kind sharing a name; each message names both assemblies. A run cannot start with any.</summary>
    public IReadOnlyList<string> Conflicts { get; } = conflicts;

    /// <summary>Copies of a loaded plugin assembly found elsewhere and left unloaded, each with the copy used instead.</summary>
    public IReadOnlyList<ShadowedPlugin> Shadowed { get; } = shadowed ?? [];

    public IEnumerable<ComponentDescriptor> OfKind(ComponentKind kind) =>
        Components.Where(c => c.Kind == kind).OrderBy(c => c.Name, StringComparer.Ordinal);

    public ComponentDescriptor? Find(ComponentKind kind, string name) =>
        Components.FirstOrDefault(c => c.Kind == kind && string.Equals(c.Name, name, StringComparison.Ordinal));
}

/// <summary>A plugin assembly not loaded because the same assembly (by name) was used from <paramref name="UsedInstead"/>.</summary>
public sealed record ShadowedPlugin(string Path, string UsedInstead, string Why);
