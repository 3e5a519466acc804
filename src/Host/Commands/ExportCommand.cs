using System.Globalization;
using NirHost.Export;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Host.Inference;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost export RUN_FOLDER --onnx FILE [--checkpoint best|last|FILE] [--opset N] [--input_size N]</c>: the run's
/// network in eval mode as an ONNX model (<see cref="OnnxExporter"/>), rebuilt from the run folder as <see cref="TrainedModel"/>
/// does for <c>embed</c>, with the input contract and the run's configuration in its metadata.
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
        ["images"] = "crop_size",
        ["folder"] = "crop_size",
        ["inshop"] = "crop_size",
        ["synthetic"] = "synthetic_image_size",
        ["fashion_mnist"] = "28",
    };

    private sealed record Arguments(string RunFolder, string Onnx, string Checkpoint, int Opset, int? InputSize);

    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = ParseArguments(args);
        // Exported on the CPU whatever device the run trained on: the file holds float32 numbers either way.
        using var trained = TrainedModel.Load(catalog, flags, arguments.RunFolder, arguments.Checkpoint, ["--device=cpu"]);
        var arch = trained.Configuration.Get<ComponentSelectionOptions>().Arch;
        var configFile = Path.Combine(trained.RunFolder, RunConfigFile.FileName);
        var request = new OnnxExportRequest(arch, trained.Input, arguments.InputSize ?? TrainedSize(trained.Configuration))
        {
            Opset = arguments.Opset,
            ConfigJson = File.ReadAllText(configFile),
            Checkpoint = Path.GetFileName(trained.Checkpoint),
        };
        byte[] bytes;
        try
        {
            bytes = OnnxExporter.ToBytes(trained.Model, request);
        }
        catch (ArchitectureNotExportableException e)
        {
            throw new CommandLineException(e.Message);
        }
        var target = Path.GetFullPath(arguments.Onnx);
        AtomicFile.Write(target, stream => stream.Write(bytes));
        output.WriteLine($"Exported --arch {arch} from {trained.Checkpoint} to {target} " +
            $"(ONNX opset {arguments.Opset}, {trained.Configuration.Get<ComponentSelectionOptions>().EmbedDim}-d embeddings, {bytes.Length / 1e6:0.#} MB).");
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

    /// <summary>The image side the run trained on, from its dataset's size flag; 0 (any size) for datasets not known here.</summary>
    private static int TrainedSize(RunConfiguration configuration)
    {
        var flags = configuration.EffectiveFlags().ToDictionary(f => f.Flag, f => f.Value, StringComparer.Ordinal);
        if (!flags.TryGetValue("dataset", out var dataset) || !SizeFlags.TryGetValue(dataset, out var source))
        {
            return 0;
        }
        var text = int.TryParse(source, CultureInfo.InvariantCulture, out _) ? source : flags.GetValueOrDefault(source, "0");
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : 0;
    }
}
