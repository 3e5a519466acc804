using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Host.Reporting;
using NirHost.Host.Training;

// The command is the first argument that is not a flag; everything else belongs to it. Each command is a class of
// its own (Commands/); this file only dispatches and turns failures into one clear line and an exit code.
NirHost.Host.Sweeps.ChildProcessGroup.LeaveParentsGroupIfAsked();
ProcessMemory.LimitArenas();
HangupTolerantWriter.Install();
var debug = args.Contains("--debug");
TrainCommand? training = null;
try
{
    var (roots, rest) = PluginRoots.Split(args);
    var command = rest.Count > 0 && !rest[0].StartsWith('-') ? rest[0] : "train";
    var commandArgs = rest.Count > 0 && !rest[0].StartsWith('-') ? rest.Skip(1).ToList() : rest;
    var console = HostConsole.Create();

    switch (command)
    {
        case "check-plugin":
            return CheckPluginCommand.Run(commandArgs, console);
        case "plugins" when commandArgs.Count > 0 && commandArgs[0] is "add" or "remove":
            // Into the first --plugins folder, or the user's plugin folder: the one beside the host is replaced by a tool update.
            return PluginPackagesCommand.Run(commandArgs, roots.InstallFolder, Console.Out);
        case "watch":
            return WatchCommand.Run(roots, commandArgs, console);
        case "index":
            return IndexCommand.Run(commandArgs, Console.Out, HostConsole.Create(Console.Error));
        case "report":
            // Reads run folders only: no plugin is loaded. The report projects many runs' embeddings, each a small problem,
            // in parallel: one libtorch thread each rather than libtorch's threads spinning against each other. Set for the
            // process here, not in the command, which runs inside other processes too (tests), where it would change training.
            TorchSharp.torch.set_num_threads(1);
            return ReportCommand.Run(commandArgs, Console.Out);
    }

    using var pool = new PluginLoaderPool();
    var catalog = pool.Scan(roots.All);
    foreach (var problem in catalog.Problems)
    {
        Console.Error.WriteLine($"warning: plugin {problem.Path}: {problem.Reason}");
    }
    var flags = RunCommandLine.BuildFlags(catalog);
    switch (command)
    {
        case "plugins":
            return PluginsCommand.Run(catalog, flags, commandArgs, Console.Out);
        case "evaluate":
            return EvaluateCommand.Run(catalog, commandArgs, Console.Out);
        case "embed":
            return EmbedCommand.Run(catalog, flags, commandArgs, Console.Out, HostConsole.Create(Console.Error));
        case "search":
            return SearchCommand.Run(catalog, flags, commandArgs, Console.Out);
        case "export":
            return ExportCommand.Run(catalog, flags, commandArgs, Console.Out);
        case "help":
            Console.Write(HelpWriter.Write(flags));
            return 0;
        case "sweep":
            return SweepCommand.Run(catalog, flags, commandArgs, Console.Out, runArgs => TrainInProcess(catalog, flags, console, runArgs));
        case "train":
        case "quickstart":
            training = new TrainCommand(catalog, flags, console);
            return training.Run(commandArgs, quickstart: command == "quickstart");
        default:
            throw new CommandLineException($"Unknown command '{command}'. Commands: train, quickstart, sweep, evaluate, embed, index, search, export, report, plugins [add|remove], check-plugin, watch, help.");
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
    return training?.InterruptExitCode ?? 130;
}
catch (TrainingDivergedException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
catch (Exception e) when (!debug && NativeLibraryFaults.Explain(e) is { } explanation)
{
    Console.Error.WriteLine($"error: {explanation}");
    return 1;
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

// A SLURM array task's run, trained in this process: a stop ends the run (saved) and the task with its exit code.
static int TrainInProcess(PluginCatalog catalog, NirHost.Host.Cli.FlagCatalog flags, Spectre.Console.IAnsiConsole console, IReadOnlyList<string> runArgs)
{
    var train = new TrainCommand(catalog, flags, console);
    try
    {
        return train.Run(runArgs, quickstart: false);
    }
    catch (OperationCanceledException)
    {
        return train.InterruptExitCode;
    }
    catch (TrainingDivergedException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 3;
    }
    catch (Exception e) when (e is not CommandLineException)
    {
        Console.Error.WriteLine($"error: {TrainingFaults.FirstLine(e.Message)}");
        return 1;
    }
}
