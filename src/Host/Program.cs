using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

var debug = args.Contains("--debug");
var interruptExitCode = 130;
try
{
    var (pluginRoots, rest) = PluginRoots.Split(args);
    var roots = pluginRoots.All;
    var command = rest.Count > 0 && !rest[0].StartsWith('-') ? rest[0] : "train";
    var commandArgs = rest.Count > 0 && !rest[0].StartsWith('-') ? rest.Skip(1).ToList() : rest;

    if (command == "check-plugin")
    {
        return CheckPluginCommand.Run(commandArgs, Spectre.Console.AnsiConsole.Console);
    }
    if (command == "plugins" && commandArgs.Count > 0 && commandArgs[0] is "add" or "remove")
    {
        // Into the first --plugins folder, or the user's plugin folder: the one beside the host is replaced by a tool update.
        if (commandArgs.Count != 2)
        {
            throw new CommandLineException($"nirhost plugins {commandArgs[0]} expects one {(commandArgs[0] == "add" ? "package (.nupkg)" : "plugin name")}.");
        }
        var folder = commandArgs[0] == "add"
            ? PluginPackages.Add(commandArgs[1], pluginRoots.InstallFolder)
            : PluginPackages.Remove(commandArgs[1], pluginRoots.InstallFolder);
        Console.WriteLine($"{(commandArgs[0] == "add" ? "Installed" : "Removed")} {folder}");
        return 0;
    }
    if (command == "watch")
    {
        var watched = pluginRoots.Given;
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return new WatchCommand(watched, roots, commandArgs, Spectre.Console.AnsiConsole.Console).Run(stop.Token);
    }

    using var pool = new PluginLoaderPool();
    var catalog = pool.Scan(roots);
    foreach (var problem in catalog.Problems)
    {
        Console.Error.WriteLine($"warning: plugin {problem.Path}: {problem.Reason}");
    }
    var flags = NirHostApp.BuildFlags(catalog);

    switch (command)
    {
        case "plugins":
            return PluginsCommand.Run(catalog, flags, commandArgs, Console.Out);
        case "evaluate":
            return EvaluateCommand.Run(catalog, commandArgs, Console.Out);
        case "help":
            Console.Write(HelpWriter.Write(flags));
            return 0;
        case "train":
        case "quickstart":
        {
            var effective = command == "quickstart" ? Quickstart.Arguments(commandArgs) : commandArgs;
            var configuration = NirHostApp.Parse(flags, effective);
            if (configuration.Arguments.HelpRequested)
            {
                Console.Write(HelpWriter.Write(flags));
                return 0;
            }
            if (configuration.Get<NirHost.Host.Options.RunOptions>().Completed)
            {
                Console.WriteLine("Training run already completed!");
                return 0;
            }
            if (command == "quickstart")
            {
                Console.WriteLine("Quick start on the embedded dataset. The same run as a full command:");
                Console.WriteLine("  " + configuration.Command());
                Console.WriteLine();
            }
            // The first Ctrl+C or SIGTERM lets the step in flight finish and saves the run; a second one ends the
            // process at once (every file is written through a temporary file and a rename, so none is left half-written).
            using var cancellation = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                if (RequestStop(cancellation, 130, "Ctrl+C"))
                {
                    e.Cancel = true;
                }
            };
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, context => context.Cancel = RequestStop(cancellation, 143, "SIGTERM"));
            var reporter = TrainingReporter.ForConsole();
            var summary = NirHostApp.Train(catalog, configuration, reporter, cancellation.Token);
            reporter.Table($"Results after {summary.Epochs} epochs ({summary.WallTimeSeconds:0.0} s), best (last)",
                summary.Metrics.ToDictionary(
                    split => split.Key,
                    split => (IReadOnlyDictionary<string, double>)split.Value.ToDictionary(m => m.Key, m => m.Value.Best)));
            foreach (var (split, metrics) in summary.Metrics)
            {
                Console.WriteLine($"{split}: " + string.Join(", ", metrics.Select(m => $"{m.Key} best {m.Value.Best:0.0000} (epoch {m.Value.BestEpoch}), last {m.Value.Last:0.0000}")));
            }
            Console.WriteLine($"Summary: {Path.Combine(summary.RunFolder, "summary.json")}");
            return 0;
        }
        default:
            throw new CommandLineException($"Unknown command '{command}'. Commands: train, quickstart, evaluate, plugins [add|remove], check-plugin, watch, help.");
    }
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (OperationCanceledException e)
{
    Console.Error.WriteLine(e is TrainingInterruptedException ? $"interrupted: {e.Message}" : "Interrupted.");
    return interruptExitCode;
}
catch (TrainingDivergedException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
catch (Exception e) when (!debug)
{
    var message = e switch
    {
        ComponentException or TrainingOutOfMemoryException or NirHost.Evaluation.NonFiniteEmbeddingsException
            or IOException or InvalidDataException => TrainingFaults.FirstLine(e.Message),
        System.Runtime.InteropServices.ExternalException => $"libtorch: {TrainingFaults.FirstLine(e.Message)}",
        _ => $"{e.GetType().Name}: {TrainingFaults.FirstLine(e.Message)}",
    };
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine("(run with --debug for details)");
    return 1;
}

/// <summary>Asks training to stop after its current step; false when a stop was already asked for (exit at once).</summary>
bool RequestStop(CancellationTokenSource cancellation, int exitCode, string signal)
{
    if (cancellation.IsCancellationRequested)
    {
        return false;
    }
    interruptExitCode = exitCode;
    Console.Error.WriteLine($"{signal}: stopping after the current step and saving the run; {signal} again exits at once.");
    cancellation.Cancel();
    return true;
}
