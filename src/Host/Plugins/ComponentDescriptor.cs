using NirHost.Abstractions;

namespace NirHost.Host.Plugins;

/// <summary>A component found in a plugin assembly.</summary>
public sealed record ComponentDescriptor(ComponentAttribute Attribute, Type Type, string AssemblyPath, string AssemblyVersion)
{
    public ComponentKind Kind => Attribute.Kind;

    public string Name => Attribute.Name;

    public Type? OptionsType => Attribute.Options;

    public string PluginName => Path.GetFileNameWithoutExtension(AssemblyPath);
}

/// <summary>A plugin that could not be used, with the reason; the other plugins still load.</summary>
public sealed record PluginProblem(string Path, string Reason);
