using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

var debug = args.Contains("--debug");
try
{
    var (roots, rest) = NirHostApp.SplitPluginRoots(args);
    var command = rest.Count > 0 && !rest[0].StartsWith('-') ? rest[0] : "train";
    var commandArgs = rest.Count > 0 && !rest[0].StartsWith('-') ? rest.Skip(1).ToList() : rest;

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
            using var cancellation = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                if (!cancellation.IsCancellationRequested)
                {
                    e.Cancel = true;
                    cancellation.Cancel();
                }
            };
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
            throw new CommandLineException($"Unknown command '{command}'. Commands: train, quickstart, evaluate, plugins, help.");
    }
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Interrupted.");
    return 130;
}
catch (Exception e) when (!debug)
{
    var message = e switch
    {
        ComponentException or TrainingDivergedException or IOException or InvalidDataException => e.Message,
        // libtorch appends its C++ stack to the message; the first line says what went wrong.
        System.Runtime.InteropServices.ExternalException => $"libtorch: {e.Message.Split('\n')[0]}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine("(run with --debug for details)");
    return 1;
}
