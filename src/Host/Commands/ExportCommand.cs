using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Export;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Training;
using static TorchSharp.torch;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost export RUN_FOLDER --onnx FILE [--checkpoint best|last|FILE] [--opset N] [--input_size N]</c>: the run's
/// network in eval mode as an ONNX model (<see cref="OnnxExporter"/>), rebuilt from the run's <c>config.json</c> and
/// loaded from a checkpoint, with the input contract and the run's configuration in its metadata.
/// </summary>
public static class ExportCommand
{
    public const string Usage = "nirhost export RUN_FOLDER --onnx FILE [--checkpoint best|last|FILE] [--opset N] [--input_size N]";

    /// <summary>The image side each built-in dataset feeds the network, by the flag that sets it (or a fixed size).</summary>
    private static readonly Dictionary<string, string> SizeFlags = new(StringComparer.Ordinal)
    {
        ["cub200"] = "crop_size",
        ["cars196"] = "crop_size",
        ["online_products"] = "crop_size",
        ["synthetic"] = "synthetic_image_size",
        ["fashion_mnist"] = "28",
    };

    private sealed record Arguments(string RunFolder, string Onnx, string Checkpoint, int Opset, int? InputSize);

    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = ParseArguments(args);
        var folder = Path.GetFullPath(arguments.RunFolder);
        var configFile = Path.Combine(folder, RunConfigFile.FileName);
        if (!File.Exists(configFile))
        {
            throw new CommandLineException($"export {arguments.RunFolder}: no {RunConfigFile.FileName} there; give the folder of a NirHost run.");
        }
        var saved = RunConfigFile.Read(configFile);
        if (saved.Arguments is null || saved.Flags is null)
        {
            throw new CommandLineException($"export {arguments.RunFolder}: {configFile} lacks the run's arguments (written by an older NirHost).");
        }
        var configuration = Configuration(flags, saved, configFile);
        var checkpoint = Checkpoint(folder, arguments.Checkpoint, configuration);
        var selection = configuration.Get<ComponentSelectionOptions>();

        using var services = Services(catalog, configuration);
        var factory = services.GetRequiredService<ComponentFactory>();
        var spec = factory.ParseSpec(ComponentKind.Architecture, selection.Arch);
        var descriptor = factory.Resolve(ComponentKind.Architecture, spec, "arch");
        var input = InputContract.Of(descriptor.Type, spec);
        using var model = factory.Create<Architecture>(ComponentKind.Architecture, selection.Arch, "arch");
        TrainingCheckpoint.LoadModel(checkpoint, model);
        model.eval();

        var request = new OnnxExportRequest(selection.Arch, input, arguments.InputSize ?? TrainedSize(saved))
        {
            Opset = arguments.Opset,
            ConfigJson = File.ReadAllText(configFile),
            Checkpoint = Path.GetFileName(checkpoint),
        };
        byte[] bytes;
        try
        {
            bytes = OnnxExporter.ToBytes(model, request);
        }
        catch (ArchitectureNotExportableException e)
        {
            throw new CommandLineException(e.Message);
        }
        var target = Path.GetFullPath(arguments.Onnx);
        AtomicFile.Write(target, stream => stream.Write(bytes));
        output.WriteLine($"Exported --arch {selection.Arch} from {checkpoint} to {target} " +
            $"(ONNX opset {arguments.Opset}, {selection.EmbedDim}-d embeddings, {new FileInfo(target).Length / 1e6:0.#} MB).");
        return 0;
    }

    private static Arguments ParseArguments(IReadOnlyList<string> args)
    {
        string? folder = null;
        string? onnx = null;
        var checkpoint = "last";
        var opset = OnnxExporter.DefaultOpset;
        int? inputSize = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value(string what) => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new CommandLineException($"{args[i]} expects {what}. Usage: {Usage}");
            int Number(string flag, int min, int max)
            {
                var text = Value($"a number from {min} to {max}");
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                    ? value
                    : throw new CommandLineException($"{flag} {text}: expected a whole number from {min} to {max}.");
            }
            switch (args[i])
            {
                case "--onnx":
                    onnx = Value("the .onnx file to write");
                    break;
                case "--checkpoint":
                    checkpoint = Value("best, last or a checkpoint file");
                    break;
                case "--opset":
                    opset = Number("--opset", OnnxExporter.MinOpset, OnnxExporter.MaxOpset);
                    break;
                case "--input_size":
                    inputSize = Number("--input_size", 0, 4096);
                    break;
                case var other when other.StartsWith("--", StringComparison.Ordinal):
                    throw new CommandLineException($"export: unknown argument '{other}'. Usage: {Usage}");
                default:
                    folder = folder is null
                        ? args[i]
                        : throw new CommandLineException($"export takes one run folder; got '{folder}' and '{args[i]}'. Usage: {Usage}");
                    break;
            }
        }
        return new Arguments(
            folder ?? throw new CommandLineException($"export needs a RUN_FOLDER. Usage: {Usage}"),
            onnx ?? throw new CommandLineException($"export needs --onnx FILE. Usage: {Usage}"),
            checkpoint, opset, inputSize);
    }

    /// <summary>The run's flags as it was started, with the working-directory defaults it used (as <c>--resume</c> does).</summary>
    private static RunConfiguration Configuration(FlagCatalog flags, RunConfigFile saved, string configFile)
    {
        var arguments = saved.Arguments!.ToList();
        foreach (var pinned in new[] { "source_path", "save_path" })
        {
            if (saved.Flags!.TryGetValue(pinned, out var value))
            {
                arguments.Add($"--{pinned}={value}");
            }
        }
        RunConfiguration configuration;
        try
        {
            configuration = RunCommandLine.Parse(flags, arguments);
        }
        catch (CommandLineException e)
        {
            throw new CommandLineException($"{configFile}: the run's arguments no longer parse with the installed plugins: {e.Message}");
        }
        // The checkpoint replaces every weight, so the file the backbone was first initialised from is not read again
        // (it may be gone, or on another machine).
        if (configuration.Flags.TryGet("pretrained_weights", out var definitions))
        {
            foreach (var definition in definitions)
            {
                definition.Property.SetValue(configuration.Options[definition.OptionsType], "");
            }
        }
        return configuration;
    }

    /// <summary>
    /// <c>last</c>: the resumable checkpoint. <c>best</c>: the <c>--store_improvements</c> checkpoint of the run's first
    /// <c>--storage_metrics</c> on its first <c>--evaltypes</c>, chosen on validation when the run had a validation split,
    /// else on test. Anything else is a checkpoint file.
    /// </summary>
    private static string Checkpoint(string folder, string choice, RunConfiguration configuration)
    {
        switch (choice)
        {
            case "last":
            {
                var last = TrainingCheckpoint.PathIn(folder);
                return File.Exists(last)
                    ? last
                    : throw new CommandLineException($"--checkpoint last: {last} does not exist (the run ended before its first epoch did).");
            }
            case "best":
            {
                var evaluation = configuration.Get<EvaluationOptions>();
                var key = Evaluator.Key(evaluation.Evaltypes.FirstOrDefault() ?? Evaluator.Embeds, evaluation.StorageMetrics.FirstOrDefault() ?? "");
                var candidates = new[] { "Val", "Test", "Train" }
                    .Select(split => Path.Combine(folder, $"checkpoint_{split}_{key.Replace('@', '_').Replace('/', '_')}.safetensors"))
                    .ToList();
                return candidates.FirstOrDefault(File.Exists)
                    ?? throw new CommandLineException(
                        $"--checkpoint best: {folder} has no best-model checkpoint for {key} ({Path.GetFileName(candidates[1])}); " +
                        "the run did not use --store_improvements. Export --checkpoint last instead.");
            }
            default:
                return File.Exists(choice)
                    ? Path.GetFullPath(choice)
                    : throw new CommandLineException($"--checkpoint {choice}: no such file (give best, last or a checkpoint file).");
        }
    }

    /// <summary>
    /// What building the architecture needs: the run's bound options, a logger and its training setup. The dataset is not
    /// loaded (an export must work where the data is not), so the class count is unknown and given as 0: architectures take
    /// their widths from the embedding dimension; classes are the criteria's business.
    /// </summary>
    private static ServiceProvider Services(PluginCatalog catalog, RunConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(catalog);
        services.AddSingleton(configuration);
        foreach (var (type, instance) in configuration.Options)
        {
            services.AddSingleton(type, instance);
        }
        services.AddSingleton(configuration.Get<DataOptions>().Settings());
        services.AddSingleton<ComponentFactory>();
        var optimization = configuration.Get<OptimizationOptions>();
        var selection = configuration.Get<ComponentSelectionOptions>();
        services.AddSingleton(new TrainingSetup
        {
            EmbedDim = selection.EmbedDim,
            NumClasses = 0,
            LearningRate = optimization.Lr,
            WeightDecay = optimization.Decay,
            BatchSize = optimization.Bs,
            SamplesPerClass = selection.SamplesPerClass,
            Seed = optimization.Seed,
            Device = CPU,
            ArchitectureName = selection.Arch,
        });
        return services.BuildServiceProvider();
    }

    /// <summary>The image side the run trained on, from its dataset's size flag; 0 (any size) for datasets not known here.</summary>
    private static int TrainedSize(RunConfigFile saved)
    {
        if (!saved.Flags!.TryGetValue("dataset", out var dataset) || !SizeFlags.TryGetValue(dataset, out var source))
        {
            return 0;
        }
        var text = int.TryParse(source, CultureInfo.InvariantCulture, out _) ? source : saved.Flags.GetValueOrDefault(source, "0");
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : 0;
    }
}
