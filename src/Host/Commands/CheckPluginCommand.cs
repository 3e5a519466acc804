using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Testing;
using Spectre.Console;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost check-plugin PATH [flags]</c>: loads a built plugin (its assembly, its folder or a plugins root),
/// runs the conformance kit on every component in it and prints a pass/fail table. Flags set the components'
/// options and <c>--device</c>, as for training. A criterion that builds others by name (through
/// <see cref="ICriterionFactory"/>, as S2SD) may build those of the checked plugins and the ones beside the host.
/// </summary>
public static class CheckPluginCommand
{
    public static int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new CommandLineException("nirhost check-plugin expects the plugin to check: its .dll, its folder, or a plugins folder.");
        }
        using var pool = new PluginLoaderPool();
        var catalog = pool.ScanPath(args[0]);
        var installed = ComposesCriteria(catalog) && Directory.Exists(PluginRoots.BesideHostFolder)
            ? pool.Scan([PluginRoots.BesideHostFolder]).OfKind(ComponentKind.Criterion).Select(c => c.Type).ToList()
            : [];
        var results = Check(catalog, args.Skip(1).ToList(), composable: installed);
        Print(results, console);
        return results.Any(r => r.Failed) ? 1 : 0;
    }

    /// <summary>
    /// Every load problem as a failed check, then the kit's checks of every component found. Flags are parsed
    /// against <paramref name="flagsFrom"/> (the plugins of a whole run) when given, else against the checked plugin's.
    /// Criteria that compose others build them among the criteria of both catalogs and <paramref name="composable"/>.
    /// </summary>
    public static IReadOnlyList<CheckResult> Check(PluginCatalog catalog, IReadOnlyList<string> flagArgs, PluginCatalog? flagsFrom = null,
        IEnumerable<Type>? composable = null)
    {
        var results = new List<CheckResult>();
        results.AddRange(catalog.Problems.Select(p => new CheckResult(Path.GetFileName(p.Path), "loads", CheckOutcome.Failed, p.Reason)));
        results.AddRange(catalog.Conflicts.Select(c => new CheckResult("plugin", "component names are unique", CheckOutcome.Failed, c)));
        if (catalog.Problems.Count == 0 && catalog.Components.Count == 0)
        {
            results.Add(new CheckResult("plugin", "declares at least one component", CheckOutcome.Failed, "no component was found"));
        }
        if (catalog.Components.Count == 0)
        {
            return results;
        }
        var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(flagsFrom ?? catalog), flagArgs);
        var options = new ConformanceOptions
        {
            Device = DeviceSelection.Resolve(configuration),
            Services = type => type == typeof(DataSettings) ? configuration.Get<DataOptions>().Settings()
                : configuration.Options.TryGetValue(type, out var bound) ? bound : null,
            EvaluationData = (embeddings, labels, classes) => new EvaluationData(embeddings, labels, classes),
            ComposableCriteria = [.. new[] { catalog, flagsFrom ?? catalog }
                .SelectMany(c => c.OfKind(ComponentKind.Criterion)).Select(c => c.Type).Concat(composable ?? []).Distinct()],
        };
        foreach (var component in catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            results.AddRange(ConformanceKit.Check(component.Type, options));
        }
        return results;
    }

    /// <summary>Whether a component of the catalog asks for an <see cref="ICriterionFactory"/> in its constructor.</summary>
    private static bool ComposesCriteria(PluginCatalog catalog) => catalog.Components.Any(c => c.Type.GetConstructors()
        .Any(constructor => constructor.GetParameters().Any(p => p.ParameterType == typeof(ICriterionFactory))));

    public static void Print(IReadOnlyList<CheckResult> results, IAnsiConsole console)
    {
        var table = new Table().AddColumn("component").AddColumn("check").AddColumn("result").AddColumn("detail");
        foreach (var result in results)
        {
            var outcome = result.Outcome switch
            {
                CheckOutcome.Passed => "[green]pass[/]",
                CheckOutcome.Failed => "[red]FAIL[/]",
                _ => "[yellow]skip[/]",
            };
            table.AddRow(Markup.Escape(result.Component), Markup.Escape(result.Check), outcome, Markup.Escape(result.Detail));
        }
        console.Write(table);
        var failed = results.Count(r => r.Failed);
        console.MarkupLine(failed == 0
            ? $"[green]{results.Count(r => r.Outcome == CheckOutcome.Passed)} checks passed[/]" +
              (results.Any(r => r.Outcome == CheckOutcome.Skipped) ? $", {results.Count(r => r.Outcome == CheckOutcome.Skipped)} skipped" : "")
            : $"[red]{failed} of {results.Count} checks failed[/]");
    }
}
