using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using static TorchSharp.torch;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost evaluate --embeddings FILE [--evaluation_metrics ...]</c>: the metrics of embeddings computed
/// elsewhere, each sample searched against the others. FILE is safetensors with <c>embeddings</c> [N, D] (float) and
/// <c>labels</c> [N] (integer), and optionally <c>avg_features</c> [N, P] for <c>rho_spectrum@MODE@avg_features</c>.
/// With <c>--query FILE --gallery FILE</c> instead, two such files: each query is searched against the gallery
/// (<see cref="QueryGalleryEvaluationData"/>), labels matched by value across the files. Prints the metrics as JSON.
/// </summary>
public static class EvaluateCommand
{
    public const string Usage = "nirhost evaluate (--embeddings FILE | --query FILE --gallery FILE) [--evaluation_metrics METRIC ...]";

    public static int Run(PluginCatalog catalog, IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = ParseArguments(args);
        using var services = new ServiceCollection().BuildServiceProvider();
        var factory = new ComponentFactory(catalog, services);
        var metrics = arguments.Metrics.Distinct(StringComparer.Ordinal)
            .Select(name => factory.Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics"))
            .ToList();
        var evaluator = new Evaluator(metrics);
        Dictionary<string, double> results;
        if (arguments.Embeddings is { } file)
        {
            using var data = Load(file);
            try
            {
                results = evaluator.Compute(data);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new InvalidDataException($"{file}: {e.Message}", e);
            }
        }
        else
        {
            using var data = LoadQueryGallery(arguments.Query!, arguments.Gallery!);
            try
            {
                results = evaluator.Compute(data);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new InvalidDataException($"--query {arguments.Query} --gallery {arguments.Gallery}: {e.Message}", e);
            }
        }
        var json = new JsonObject();
        foreach (var (name, value) in results)
        {
            json[name] = double.IsFinite(value) ? JsonValue.Create(value) : null;
        }
        output.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private sealed record Arguments(string? Embeddings, string? Query, string? Gallery, IReadOnlyList<string> Metrics);

    private static Arguments ParseArguments(IReadOnlyList<string> args)
    {
        string? embeddings = null;
        string? query = null;
        string? gallery = null;
        List<string>? metrics = null;
        string File(ref int i)
        {
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"{args[i]} expects a safetensors file. Usage: {Usage}");
            }
            return args[++i];
        }
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--embeddings":
                    embeddings = File(ref i);
                    break;
                case "--query":
                    query = File(ref i);
                    break;
                case "--gallery":
                    gallery = File(ref i);
                    break;
                case "--evaluation_metrics":
                    metrics = [];
                    while (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        metrics.Add(args[++i]);
                    }
                    if (metrics.Count == 0)
                    {
                        throw new CommandLineException("--evaluation_metrics expects at least one metric, e.g. e_recall@1.");
                    }
                    break;
                default:
                    throw new CommandLineException($"evaluate: unknown argument '{args[i]}'. Usage: {Usage}");
            }
        }
        if (embeddings is not null && (query is not null || gallery is not null))
        {
            throw new CommandLineException($"evaluate takes either --embeddings (each sample searched against the others) or --query and --gallery, not both. Usage: {Usage}");
        }
        if (embeddings is null && (query is null || gallery is null))
        {
            throw new CommandLineException(query is null && gallery is null
                ? $"evaluate needs --embeddings FILE, or --query FILE and --gallery FILE. Usage: {Usage}"
                : $"evaluate needs both --query FILE and --gallery FILE (only {(query is null ? "--gallery" : "--query")} was given). Usage: {Usage}");
        }
        return new Arguments(embeddings, query, gallery, metrics ?? [.. new EvaluationOptions().EvaluationMetrics]);
    }

    /// <summary>
    /// Reads and checks the two files of a query/gallery evaluation; every problem is reported with the file's path,
    /// and different dimensions with both.
    /// </summary>
    public static QueryGalleryEvaluationData LoadQueryGallery(string queryFile, string galleryFile)
    {
        using var queries = ReadLabelled(queryFile, "--query");
        using var gallery = ReadLabelled(galleryFile, "--gallery");
        if (queries.Embeddings.shape[1] != gallery.Embeddings.shape[1])
        {
            throw new InvalidDataException($"--query {queryFile} holds {queries.Embeddings.shape[1]}-dimensional embeddings but --gallery {galleryFile} " +
                $"holds {gallery.Embeddings.shape[1]}-dimensional ones; both must come from the same model.");
        }
        return new QueryGalleryEvaluationData(queries.Embeddings, queries.Labels, gallery.Embeddings, gallery.Labels, queries.PooledFeatures);
    }

    /// <summary>Reads and checks the file; every problem is reported with the file's path.</summary>
    public static EvaluationData Load(string file)
    {
        using var read = ReadLabelled(file, "--embeddings");
        var classes = read.Labels.Distinct().Order().ToArray();
        if (classes.Length < 2)
        {
            throw new InvalidDataException($"{file}: the labels hold {classes.Length} class{(classes.Length == 1 ? "" : "es")}; metrics need at least two.");
        }
        var index = classes.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        return new EvaluationData(read.Embeddings, read.Labels.Select(l => index[l]).ToArray(), classes.Length, read.PooledFeatures);
    }

    /// <summary>A checked file's tensors, labels as stored; disposing it frees the tensors.</summary>
    private sealed record LabelledFile(Tensor Embeddings, long[] Labels, Tensor? PooledFeatures, IReadOnlyCollection<Tensor> All) : IDisposable
    {
        public void Dispose()
        {
            foreach (var tensor in All)
            {
                tensor.Dispose();
            }
        }
    }

    private static LabelledFile ReadLabelled(string file, string flag)
    {
        if (!File.Exists(file))
        {
            throw new IOException($"{flag} {file}: no such file.");
        }
        var tensors = SafeTensorsFile.Read(file);
        try
        {
            Tensor Required(string name, int dims) =>
                !tensors.TryGetValue(name, out var tensor)
                    ? throw new InvalidDataException($"{file} has no tensor '{name}' (it holds: {string.Join(", ", tensors.Keys.Order(StringComparer.Ordinal))}); " +
                        "expected 'embeddings' [N, D] float32 and 'labels' [N] int64.")
                    : tensor.dim() != dims
                        ? throw new InvalidDataException($"{file}: '{name}' has shape [{string.Join(", ", tensor.shape)}], expected {dims} dimensions.")
                        : tensor;
            var embeddings = Required("embeddings", 2);
            var labels = Required("labels", 1);
            if (!embeddings.is_floating_point())
            {
                throw new InvalidDataException($"{file}: 'embeddings' is {embeddings.dtype}, expected float32.");
            }
            if (labels.is_floating_point() || labels.dtype == ScalarType.Bool)
            {
                throw new InvalidDataException($"{file}: 'labels' is {labels.dtype}, expected int64.");
            }
            var n = embeddings.shape[0];
            if (labels.shape[0] != n)
            {
                throw new InvalidDataException($"{file}: {n} embeddings but {labels.shape[0]} labels.");
            }
            if (n == 0)
            {
                throw new InvalidDataException($"{file} holds no embeddings.");
            }
            if (embeddings.isnan().any().item<bool>() || embeddings.isinf().any().item<bool>())
            {
                var bad = embeddings.isfinite().logical_not().any(1).nonzero()[0, 0].item<long>();
                throw new InvalidDataException($"{file}: 'embeddings' holds NaN or infinite values (first in row {bad}).");
            }
            var raw = labels.to(int64).data<long>().ToArray();
            Tensor? pooled = null;
            if (tensors.TryGetValue("avg_features", out var avg))
            {
                if (avg.dim() != 2 || avg.shape[0] != n || !avg.is_floating_point())
                {
                    throw new InvalidDataException($"{file}: 'avg_features' has shape [{string.Join(", ", avg.shape)}] ({avg.dtype}), expected [{n}, P] float32.");
                }
                pooled = avg;
            }
            return new LabelledFile(embeddings, raw, pooled, tensors.Values);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
    }
}
