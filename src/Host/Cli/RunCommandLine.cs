using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;

namespace NirHost.Host.Cli;

/// <summary>The flags of a run: the host's own options and every installed component's, and the parse of a command line into them.</summary>
public static class RunCommandLine
{
    /// <summary>Options types of the host itself, listed under "General" in --help.</summary>
    public static readonly (string Group, Type Type)[] HostOptions =
    [
        ("General: data", typeof(DataOptions)),
        ("General: optimisation", typeof(OptimizationOptions)),
        ("General: components", typeof(ComponentSelectionOptions)),
        ("General: evaluation", typeof(EvaluationOptions)),
        ("General: run and logging", typeof(RunOptions)),
        ("General: non-finite numbers", typeof(NonFiniteOptions)),
    ];

    public static FlagCatalog BuildFlags(PluginCatalog catalog)
    {
        var flags = new FlagCatalog();
        foreach (var (group, type) in HostOptions)
        {
            flags.Add(group, type);
        }
        foreach (var component in catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            if (component.OptionsType is { } options)
            {
                flags.Add($"{component.Kind} '{component.Name}' ({component.PluginName})", options);
            }
        }
        return flags;
    }

    /// <summary>Parses a command line; with <c>--resume</c>, the configuration is the resumed run's own.</summary>
    public static RunConfiguration Parse(FlagCatalog flags, IReadOnlyList<string> args)
    {
        var given = ParseOnly(flags, args);
        return given.Arguments.HelpRequested ? given : RunResumption.Prepare(given, arguments => ParseOnly(flags, arguments));
    }

    private static RunConfiguration ParseOnly(FlagCatalog flags, IReadOnlyList<string> args)
    {
        var parsed = new ArgumentParser(flags).Parse(args);
        var options = new OptionsBinder(flags).Bind(parsed);
        return new RunConfiguration(flags, parsed, options);
    }
}
