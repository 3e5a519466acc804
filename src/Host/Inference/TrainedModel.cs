using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Host.Inference;

/// <summary>
/// A run's trained network, rebuilt from its folder for use: the architecture and flags of its <c>config.json</c>, the
/// weights of a checkpoint, in eval mode, with the run's data flags (so the images are prepared as the run's evaluation
/// prepared them). Flags that only say where and how fast to run (<c>--device</c>, <c>--kernels</c>, <c>--bs</c>) and
/// which data to read (<c>--dataset</c>, <c>--source_path</c>) may be given anew; the backbone's ImageNet weights are
/// not read (the checkpoint replaces them), so a model moves to a machine without them.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    /// <summary>The flags <see cref="Load"/> may change.</summary>
    public static readonly string[] Overridable = ["device", "gpu", "kernels", "bs", "dataset", "source_path"];

    private readonly ServiceProvider _services;

    private TrainedModel(ServiceProvider services, RunConfiguration configuration, Architecture model, string runFolder, string checkpoint)
    {
        _services = services;
        Configuration = configuration;
        Model = model;
        RunFolder = runFolder;
        Checkpoint = checkpoint;
    }

    public RunConfiguration Configuration { get; }

    public Architecture Model { get; }

    public string RunFolder { get; }

    /// <summary>The checkpoint file whose weights the model holds.</summary>
    public string Checkpoint { get; }

    public Device Device => _services.GetRequiredService<TrainingSetup>().Device;

    public int BatchSize => Configuration.Get<OptimizationOptions>().Bs;

    /// <summary>What the architecture takes as input (image size, channels, normalisation, colour order).</summary>
    public InputContract Input => _services.GetRequiredService<InputContract>();

    /// <summary>The dataset named by the run's (or the overriding) <c>--dataset</c>, loaded on first use.</summary>
    public DatasetSplits Splits => _services.GetRequiredService<DatasetSplits>();

    /// <param name="checkpoint"><c>last</c> (the default), <c>best</c> (the <c>--store_improvements</c> checkpoint of the run's
    /// first <c>--storage_metrics</c> on the test split), or a checkpoint file.</param>
    /// <param name="overrides">Flags of <see cref="Overridable"/>, as <c>--flag=value</c>.</param>
    public static TrainedModel Load(PluginCatalog catalog, FlagCatalog flags, string runFolder, string? checkpoint, IReadOnlyList<string> overrides)
    {
        runFolder = Path.GetFullPath(runFolder);
        var saved = RunResumption.ReadRunConfig(runFolder, runFolder, "train it again with this NirHost");
        var given = RunCommandLine.Parse(flags, saved.Arguments);
        var overridden = RunCommandLine.Parse(flags, overrides).Arguments.Values.Keys.ToHashSet(StringComparer.Ordinal);
        // The run's own arguments (its dataset, to learn the size it evaluated at), and those kept under the overrides.
        List<string> RunArguments(Func<string, bool> keep)
        {
            var list = given.ArgumentList(flag => keep(flag) && flag is not ("pretrained_weights" or "resume")).ToList();
            foreach (var pinned in new[] { "source_path", "save_path" })
            {
                // Defaults that depend on the working directory stay what the run used.
                if (keep(pinned) && saved.Flags.TryGetValue(pinned, out var value))
                {
                    list.Add($"--{pinned}={value}");
                }
            }
            if (flags.TryGet("not_pretrained", out _) && !list.Contains("--not_pretrained"))
            {
                list.Add("--not_pretrained");
            }
            return list;
        }
        var own = RunArguments(_ => true);
        var arguments = RunArguments(flag => !overridden.Contains(flag));
        arguments.AddRange(overrides);
        var configuration = RunCommandLine.Parse(flags, arguments);
        var file = CheckpointFile(runFolder, checkpoint, configuration);
        var provider = Services(catalog, configuration);
        if (overridden.Contains("dataset") && !overridden.Contains("crop_size") && !given.Arguments.WasGiven("crop_size") && flags.TryGet("crop_size", out _)
            && EvaluationSize(catalog, flags, own, provider.GetRequiredService<InputContract>()) is { } size
            && !Equals(configuration.Value("crop_size"), size))
        {
            // Other images than the run's are cropped to the size the run's network was evaluated at, not to --crop_size's
            // default, which a run on generated data never set.
            provider.Dispose();
            configuration = RunCommandLine.Parse(flags, [.. arguments, $"--crop_size={size}"]);
            provider = Services(catalog, configuration);
        }
        try
        {
            var model = provider.GetRequiredService<Architecture>();
            TrainingCheckpoint.LoadModel(file, model);
            model.to(provider.GetRequiredService<TrainingSetup>().Device);
            model.eval();
            return new TrainedModel(provider, configuration, model, runFolder, file);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The input size the run evaluated its network at: the architecture's fixed size, or else the size of the run's own
    /// test images (one sample of its dataset, without the overrides); null when that dataset cannot be read here.
    /// </summary>
    private static int? EvaluationSize(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> own, InputContract input)
    {
        if (input.Size > 0)
        {
            return input.Size;
        }
        try
        {
            using var services = Services(catalog, RunCommandLine.Parse(flags, own));
            var testing = services.GetRequiredService<DatasetSplits>().Testing;
            using var sample = testing.LoadBatch([0], augmentation: null);
            return (int)sample.shape[^1];
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ComponentException or CommandLineException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ServiceProvider Services(PluginCatalog catalog, RunConfiguration configuration)
    {
        var services = new ServiceCollection().AddNirHostRun(catalog, configuration);
        // Warnings of the components (images left out, say) go to standard error: standard output carries results.
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter((category, level) => level >= (configuration.Get<RunOptions>().Debug ? LogLevel.Debug : LogLevel.Warning)));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Classes are a training matter (the criterion's proxies); the network is built without reading the dataset.
        services.AddSingleton(_ => new TrainingSetup
        {
            EmbedDim = configuration.Get<ComponentSelectionOptions>().EmbedDim,
            NumClasses = 0,
            LearningRate = configuration.Get<OptimizationOptions>().Lr,
            WeightDecay = configuration.Get<OptimizationOptions>().Decay,
            BatchSize = configuration.Get<OptimizationOptions>().Bs,
            SamplesPerClass = configuration.Get<ComponentSelectionOptions>().SamplesPerClass,
            Seed = configuration.Get<OptimizationOptions>().Seed,
            Device = DeviceSelection.Resolve(configuration),
            ArchitectureName = configuration.Get<ComponentSelectionOptions>().Arch,
        });
        return services.BuildServiceProvider();
    }

    private static string CheckpointFile(string runFolder, string? checkpoint, RunConfiguration configuration)
    {
        switch (checkpoint ?? "last")
        {
            case "last":
                var last = TrainingCheckpoint.PathIn(runFolder);
                return File.Exists(last)
                    ? last
                    : throw new CommandLineException($"{runFolder} has no {TrainingCheckpoint.FileName} yet (the run has not finished an epoch).");
            case "best":
                var metric = configuration.Get<EvaluationOptions>().StorageMetrics.FirstOrDefault() ?? "e_recall@1";
                var best = Path.Combine(runFolder, $"checkpoint_Test_{metric.Replace('@', '_').Replace('/', '_')}.safetensors");
                return File.Exists(best)
                    ? best
                    : throw new CommandLineException($"--checkpoint best: {runFolder} has no {Path.GetFileName(best)}; " +
                        "the run keeps its best model only with --store_improvements. Use --checkpoint last or a checkpoint file.");
            default:
                return File.Exists(checkpoint)
                    ? Path.GetFullPath(checkpoint)
                    : throw new CommandLineException($"--checkpoint {checkpoint}: no such file (give best, last or a checkpoint file).");
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        _services.Dispose();
    }
}
