using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Host.Training;
using NirHost.Testing;
using Spectre.Console;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost watch --plugins DIR [train flags]</c>: while a plugin is being developed, every rebuild of a plugin
/// under the watched folders is reloaded (McMaster hot reload), checked with the conformance kit and given a
/// one-epoch smoke training with the given flags. A rebuild that fails to load keeps the previous version.
/// </summary>
public sealed class WatchCommand(IReadOnlyList<string> watchedRoots, IReadOnlyList<string> allRoots, IReadOnlyList<string> trainArgs, IAnsiConsole console)
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    /// <summary>Completes one cycle: check and smoke-train. Tests wait on it.</summary>
    public event Action<WatchCycle>? CycleCompleted;

    /// <summary>
    /// The command line's entry: watches the given <c>--plugins</c> folders (not the one beside the host) until Ctrl+C.
    /// </summary>
    public static int Run(PluginRoots roots, IReadOnlyList<string> trainArgs, IAnsiConsole console)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        System.Console.CancelKeyPress += onCtrlC;
        try
        {
            return new WatchCommand(roots.Given, roots.All, trainArgs, console).Run(stop.Token);
        }
        finally
        {
            System.Console.CancelKeyPress -= onCtrlC;
        }
    }

    public int Run(CancellationToken cancellation)
    {
        if (watchedRoots.Count == 0)
        {
            throw new CommandLineException("nirhost watch needs --plugins DIR: the folder your plugin's build lays it out in.");
        }
        using var pool = new PluginLoaderPool();
        using var changed = new SemaphoreSlim(0);
        var reloaded = new HashSet<string>(NirHost.Host.IO.FilePaths.Comparer);
        pool.PluginReloaded += path =>
        {
            lock (reloaded)
            {
                reloaded.Add(path);
            }
            changed.Release();
        };

        var catalog = pool.Scan(allRoots);
        var cycle = Cycle(catalog, [], "start", cancellation);
        while (!cancellation.IsCancellationRequested)
        {
            console.MarkupLine("[grey]Watching for rebuilt plugins under[/] " + Markup.Escape(string.Join(", ", watchedRoots)) + " [grey](Ctrl+C to stop)[/]");
            try
            {
                changed.Wait(cancellation);
                // A build writes several files; let it finish before loading.
                while (changed.Wait(Settle, cancellation))
                {
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            string[] paths;
            lock (reloaded)
            {
                paths = [.. reloaded];
                reloaded.Clear();
            }
            var scanned = pool.Scan(allRoots);
            var (merged, kept) = KeepPreviousOnFailure(catalog, scanned);
            foreach (var problem in kept)
            {
                console.MarkupLine($"[red]Reload failed:[/] {Markup.Escape(problem.Path)}: {Markup.Escape(problem.Reason)}");
                console.MarkupLine("[yellow]Keeping the previous version of that plugin.[/]");
            }
            catalog = merged;
            cycle = Cycle(catalog, [.. kept.Select(k => k.Path)], "reload of " + string.Join(", ", paths.Select(Path.GetFileName)), cancellation);
        }
        return cycle?.Passed == false ? 1 : 0;
    }

    /// <summary>
    /// Plugins that loaded before but fail now keep their previous components (their load context lives on while
    /// the types are referenced), so a bad build never takes a working plugin away.
    /// </summary>
    internal static (PluginCatalog Catalog, IReadOnlyList<PluginProblem> Kept) KeepPreviousOnFailure(PluginCatalog previous, PluginCatalog current)
    {
        var kept = current.Problems.Where(p => previous.Components.Any(c => c.AssemblyPath == p.Path)).ToList();
        var components = current.Components
            .Concat(previous.Components.Where(c => kept.Any(k => k.Path == c.AssemblyPath)))
            .ToList();
        var problems = current.Problems.Except(kept).ToList();
        return (new PluginCatalog(components, problems, current.Conflicts), kept);
    }

    private WatchCycle? Cycle(PluginCatalog catalog, IReadOnlyList<string> keptPaths, string reason, CancellationToken cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return null;
        }
        console.Write(new Rule($"[bold]{Markup.Escape(reason)}[/] {DateTime.Now:HH:mm:ss}").LeftJustified());
        // Compared as the file system does: on Windows and macOS '--plugins ./Plugins' watches the folder 'plugins'.
        var comparison = NirHost.Host.IO.FilePaths.Comparison;
        var mine = new PluginCatalog(
            [.. catalog.Components.Where(c => watchedRoots.Any(w => NirHost.Host.IO.FilePaths.IsUnder(c.AssemblyPath, w, comparison)))],
            [.. catalog.Problems.Where(p => watchedRoots.Any(w => NirHost.Host.IO.FilePaths.IsUnder(p.Path, w, comparison)))],
            catalog.Conflicts);
        IReadOnlyList<CheckResult> results;
        try
        {
            results = CheckPluginCommand.Check(mine, trainArgs, flagsFrom: catalog);
        }
        catch (CommandLineException e)
        {
            results = [new CheckResult("plugin", "flags", CheckOutcome.Failed, e.Message)];
        }
        CheckPluginCommand.Print(results, console);

        string? training = null;
        var passed = !results.Any(r => r.Failed);
        if (passed)
        {
            try
            {
                var args = trainArgs.Contains("--n_epochs") ? trainArgs : [.. trainArgs, "--n_epochs", "1"];
                var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(catalog), args);
                var summary = TrainingHost.Train(RunValidation.Validate(configuration, catalog), cancellation: cancellation);
                training = string.Join("; ", summary.Metrics.Select(split =>
                    $"{split.Key}: " + string.Join(", ", split.Value.Select(m => $"{m.Key} {m.Value.Last:0.####}"))));
                console.MarkupLine($"[green]Smoke training ({summary.Epochs} epoch, {summary.WallTimeSeconds:0.0} s):[/] {Markup.Escape(training)}");
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception e)
            {
                passed = false;
                training = e.Message.Split('\n')[0];
                console.MarkupLine($"[red]Smoke training failed:[/] {Markup.Escape(training)}");
            }
        }
        else
        {
            console.MarkupLine("[red]Conformance checks failed; no smoke training.[/]");
        }
        var cycle = new WatchCycle(reason, results, training, passed, keptPaths);
        CycleCompleted?.Invoke(cycle);
        return cycle;
    }
}

/// <summary>One watch cycle: what triggered it, the checks, and the smoke training's metrics (or why it failed).</summary>
public sealed record WatchCycle(string Reason, IReadOnlyList<CheckResult> Checks, string? Training, bool Passed, IReadOnlyList<string> KeptPreviousVersions);
