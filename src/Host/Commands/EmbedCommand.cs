using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Inference;
using NirHost.Host.Plugins;
using NirHost.Host.Reporting;
using NirHost.Host.Training;
using NirHost.Imaging;
using NirHost.Inference;
using NirHost.Retrieval;
using Spectre.Console;
using static TorchSharp.torch;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost embed RUN_FOLDER (--images DIR|LIST_FILE | --dataset NAME --split SPLIT) --out FILE</c>: the embeddings of
/// new images, or of a dataset's split, with a trained run's network and evaluation transform, streamed to an
/// <see cref="EmbeddingsFile"/> batch by batch (memory does not grow with the number of images).
/// </summary>
public static class EmbedCommand
{
    public const string Usage = "nirhost embed RUN_FOLDER (--images DIR|LIST_FILE | --dataset NAME --split train|test|val|query|gallery) --out FILE " +
        "[--checkpoint best|last|FILE] [--source_path DIR] [--device DEVICE] [--bs N] [--kernels N] [--skip_unreadable_images]\n" +
        "       nirhost embed --onnx MODEL --images DIR|LIST_FILE --out FILE [--bs N] [--kernels N] [--skip_unreadable_images]";

    /// <summary>Images a batch of <c>embed --onnx</c> holds unless <c>--bs</c> says otherwise (a model file records no batch size).</summary>
    public const int DefaultOnnxBatchSize = 32;

    private static readonly Dictionary<string, FlagArity> Flags = new(StringComparer.Ordinal)
    {
        ["images"] = FlagArity.One, ["dataset"] = FlagArity.One, ["split"] = FlagArity.One, ["out"] = FlagArity.One,
        ["checkpoint"] = FlagArity.One, ["source_path"] = FlagArity.One, ["device"] = FlagArity.One, ["bs"] = FlagArity.One,
        ["kernels"] = FlagArity.One, ["skip_unreadable_images"] = FlagArity.Switch, ["onnx"] = FlagArity.One,
    };

    /// <summary>Images between two hand-backs of freed memory (tens of milliseconds each).</summary>
    private const int ReleaseEvery = 5000;

    /// <summary>
    /// The splits <c>--split</c> names: the training images (with the evaluation transform), the test split, the validation
    /// split, and the query and gallery splits of a dataset that has them (inshop, a CSV with is_query/is_gallery).
    /// </summary>
    public static readonly string[] Splits = ["train", "test", "val", "query", "gallery"];

    /// <summary>The split <paramref name="name"/> (one of <see cref="Splits"/>) of <paramref name="splits"/>, or an error saying why there is none.</summary>
    public static IDataSplit Select(DatasetSplits splits, string name, string dataset) => name switch
    {
        "train" => splits.Evaluation,
        "val" => splits.Validation ?? throw new CommandLineException(
            $"--split val: --dataset {dataset} has a validation split only for a run trained with --use_tv_split."),
        "query" => splits.Query ?? throw new CommandLineException($"--split query: --dataset {dataset} has no query and gallery splits."),
        "gallery" => splits.Gallery ?? throw new CommandLineException($"--split gallery: --dataset {dataset} has no query and gallery splits."),
        _ => splits.Testing,
    };

    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output, IAnsiConsole progressConsole)
    {
        var arguments = CommandArguments.Parse(args, "embed", Usage, Flags);
        if (arguments.Value("onnx") is { } onnx)
        {
            return RunOnnx(arguments, onnx, output, progressConsole);
        }
        if (arguments.Positional.Count != 1)
        {
            throw new CommandLineException($"embed needs one run folder{(arguments.Positional.Count > 1 ? $", got {string.Join(" ", arguments.Positional)}" : "")}. Usage: {Usage}");
        }
        var outPath = Path.GetFullPath(arguments.Required("out"));
        var images = arguments.Value("images");
        var dataset = arguments.Value("dataset");
        if ((images is null) == (dataset is null))
        {
            throw new CommandLineException($"embed needs either --images or --dataset (with --split). Usage: {Usage}");
        }
        if (images is not null && (arguments.Has("split") || arguments.Has("source_path")))
        {
            throw new CommandLineException("--images names the images itself; --split and --source_path go with --dataset.");
        }
        var split = dataset is null ? null : arguments.Choice("split", "test", Splits);
        var overrides = new List<string>();
        if (images is not null)
        {
            overrides.Add("--dataset=images");
            overrides.Add($"--source_path={Path.GetFullPath(images)}");
        }
        else
        {
            overrides.Add($"--dataset={dataset}");
            if (arguments.Value("source_path") is { } sourcePath)
            {
                overrides.Add($"--source_path={Path.GetFullPath(sourcePath)}");
            }
        }
        foreach (var flag in new[] { "device", "bs", "kernels" })
        {
            if (arguments.Value(flag) is { } value)
            {
                overrides.Add($"--{flag}={value}");
            }
        }
        var skipUnreadable = arguments.Has("skip_unreadable_images");
        if (skipUnreadable)
        {
            overrides.Add("--skip_unreadable_images");
        }

        using var model = TrainedModel.Load(catalog, flags, arguments.Positional[0], arguments.Value("checkpoint"), overrides);
        var data = split is null ? model.Splits.Testing : Select(model.Splits, split, dataset!);
        var source = images is not null ? $"images {Path.GetFullPath(images)}" : $"dataset {dataset} split {split}";
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EmbeddingsFile.RunKey] = model.RunFolder,
            [EmbeddingsFile.CheckpointKey] = model.Checkpoint,
            [EmbeddingsFile.SourceKey] = source,
        };
        var result = Embed(model, data, outPath, metadata, withLabels: images is null, skipUnreadable, progressConsole);
        Report(output, result, source, outPath);
        return 0;
    }

    /// <summary>
    /// <c>embed --onnx MODEL --images ...</c>: the same images (<see cref="ImageSources"/>, as the <c>images</c> dataset lists
    /// them) embedded by ONNX Runtime with the exported model's evaluation transform; no run folder and no TorchSharp.
    /// </summary>
    private static int RunOnnx(CommandArguments arguments, string onnx, TextWriter output, IAnsiConsole progressConsole)
    {
        if (arguments.Positional.Count > 0)
        {
            throw new CommandLineException($"embed --onnx takes the model instead of a run folder; got {string.Join(" ", arguments.Positional)} too. Usage: {Usage}");
        }
        foreach (var flag in new[] { "dataset", "split", "source_path", "checkpoint", "device" })
        {
            if (arguments.Has(flag))
            {
                throw new CommandLineException(
                    $"embed --onnx: --{flag} goes with a run folder (the model file holds its weights and runs on the CPU; embed image files with --images).");
            }
        }
        var images = arguments.Value("images") ?? throw new CommandLineException($"embed --onnx needs --images DIR|LIST_FILE. Usage: {Usage}");
        var outPath = Path.GetFullPath(arguments.Required("out"));
        var batchSize = arguments.Int("bs", DefaultOnnxBatchSize, 1);
        var threads = arguments.Int("kernels", 0, 1);
        var modelPath = Path.GetFullPath(onnx);
        IReadOnlyList<string> paths;
        OnnxEmbedder embedder;
        try
        {
            paths = ImageSources.Resolve(images, "--images");
            embedder = new OnnxEmbedder(modelPath, threads);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException)
        {
            throw new CommandLineException(e.Message);
        }
        using (embedder)
        {
            var source = $"images {Path.GetFullPath(images)}";
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [EmbeddingsFile.OnnxModelKey] = modelPath,
                [EmbeddingsFile.SourceKey] = source,
            };
            var skipUnreadable = arguments.Has("skip_unreadable_images");
            using var progress = new LiveProgress(progressConsole, "Embedding", paths.Count);
            EmbeddingOutcome result;
            try
            {
                result = embedder.EmbedToFile(paths, outPath, batchSize, metadata, skipUnreadable,
                    done => progress.Update(done, $"Embedding {done}/{paths.Count}"));
            }
            catch (InvalidDataException e) when (!skipUnreadable)
            {
                throw new InvalidDataException($"{e.Message} Use --skip_unreadable_images to leave unreadable images out.", e);
            }
            Report(output, result, source, outPath);
        }
        return 0;
    }

    private static void Report(TextWriter output, EmbeddingOutcome result, string source, string outPath) =>
        output.WriteLine($"Embedded {result.Count} images of {source} ({result.Dimension}-d) into {outPath}" +
            (result.Skipped > 0 ? $"; skipped {result.Skipped} unreadable image(s), the first: {result.FirstSkipped}" : "") + ".");

    /// <summary>
    /// Embeds every sample of <paramref name="split"/> into <paramref name="outPath"/>: batch by batch in the run's batch size,
    /// the model in eval mode without gradients, as the trainer's evaluation does.
    /// </summary>
    public static EmbeddingOutcome Embed(TrainedModel model, IDataSplit split, string outPath, IReadOnlyDictionary<string, string> metadata,
        bool withLabels, bool skipUnreadable, IAnsiConsole? progressConsole = null)
    {
        var batchSize = model.BatchSize;
        var paths = split.SamplePaths;
        var indices = Enumerable.Range(0, split.Count).ToArray();
        EmbeddingsWriter? writer = null;
        var skipped = 0;
        string? firstSkipped = null;
        using var progress = progressConsole is null ? null : new LiveProgress(progressConsole, "Embedding", split.Count);
        try
        {
            using var _ = no_grad();
            for (var start = 0; start < split.Count; start += batchSize)
            {
                // Decoded, then embedded, as the trainer's evaluation does: decoding the next batch while the network runs
                // was slower (0.8 of the evaluation pass on 2 cores), libtorch's threads spinning against the decoders.
                var taken = Math.Min(batchSize, split.Count - start);
                var (batch, kept) = LoadBatch(split, indices.AsSpan(start, taken).ToArray(), skipUnreadable);
                foreach (var index in indices.AsSpan(start, taken))
                {
                    if (!kept.Contains(index))
                    {
                        skipped++;
                        firstSkipped ??= paths?[index] ?? $"sample {index}";
                    }
                }
                if (batch is not null)
                {
                    using var scope = NewDisposeScope();
                    using var input = batch;
                    var embeddings = model.Model.Forward(input.to(model.Device), warmup: false).Embeddings.to(float32).cpu().contiguous();
                    var dimension = (int)embeddings.shape[1];
                    writer ??= new EmbeddingsWriter(outPath, split.Count, dimension, paths, withLabels, metadata);
                    writer.Append(embeddings.data<float>().ToArray(),
                        withLabels ? kept.Select(i => (long)split.Labels[i]).ToArray() : [],
                        paths is null ? null : kept.Select(i => paths[i]).ToList());
                }
                progress?.Update(start + taken, $"Embedding {start + taken}/{split.Count}");
                if ((start + taken) / ReleaseEvery > start / ReleaseEvery)
                {
                    // As training does once an epoch: every batch is a fresh large array and native tensor, and without a
                    // compacting collection and malloc_trim now and then the resident size grows with the number of images.
                    ProcessMemory.ReleaseAfterEpoch();
                }
            }
            if (writer is null)
            {
                throw new InvalidDataException($"No image of {split.Count} could be read; nothing to embed.");
            }
            writer.Complete();
            return new EmbeddingOutcome(writer.Count, writer.Dimension, skipped, firstSkipped);
        }
        finally
        {
            writer?.Dispose();
        }
    }

    /// <summary>
    /// The batch of <paramref name="indices"/>; with <paramref name="skipUnreadable"/>, a batch that fails to decode is loaded
    /// image by image and the unreadable ones are left out (null when none is left).
    /// </summary>
    private static (Tensor? Batch, int[] Kept) LoadBatch(IDataSplit split, int[] indices, bool skipUnreadable)
    {
        try
        {
            return (split.LoadBatch(indices, augmentation: null), indices);
        }
        catch (Exception e) when (skipUnreadable && e is InvalidDataException or IOException)
        {
            var kept = new List<int>();
            var images = new List<Tensor>();
            foreach (var index in indices)
            {
                try
                {
                    images.Add(split.LoadBatch([index], augmentation: null));
                    kept.Add(index);
                }
                catch (Exception single) when (single is InvalidDataException or IOException)
                {
                    // Counted by the caller from the indices missing in Kept.
                }
            }
            if (images.Count == 0)
            {
                return (null, []);
            }
            var batch = cat(images, 0);
            foreach (var image in images)
            {
                image.Dispose();
            }
            return (batch, [.. kept]);
        }
    }
}
