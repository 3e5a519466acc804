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
/// elsewhere. FILE is safetensors with <c>embeddings</c> [N, D] (float) and <c>labels</c> [N] (integer), and
/// optionally <c>avg_features</c> [N, P] for <c>rho_spectrum@MODE@avg_features</c>. Prints the metrics as JSON.
/// </summary>
public static class EvaluateCommand
{
    public const string Usage = "nirhost evaluate --embeddings FILE [--evaluation_metrics METRIC ...]";

    public static int Run(PluginCatalog catalog, IReadOnlyList<string> args, TextWriter output)
    {
        var (file, metricNames) = ParseArguments(args);
        using var services = new ServiceCollection().BuildServiceProvider();
        var factory = new ComponentFactory(catalog, services);
        var metrics = metricNames.Distinct(StringComparer.Ordinal)
            .Select(name => factory.Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics"))
            .ToList();
        using var data = Load(file);
        Dictionary<string, double> results;
        try
        {
            results = new Evaluator(metrics).Compute(data);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
        var json = new JsonObject();
        foreach (var (name, value) in results)
        {
            json[name] = double.IsFinite(value) ? JsonValue.Create(value) : null;
        }
        output.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static (string File, IReadOnlyList<string> Metrics) ParseArguments(IReadOnlyList<string> args)
    {
        string? file = null;
        List<string>? metrics = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--embeddings":
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new CommandLineException($"--embeddings expects a safetensors file. Usage: {Usage}");
                    }
                    file = args[++i];
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
        if (file is null)
        {
            throw new CommandLineException($"evaluate needs --embeddings FILE. Usage: {Usage}");
        }
        return (file, metrics ?? [.. new EvaluationOptions().EvaluationMetrics]);
    }

    /// <summary>Reads and checks the file; every problem is reported with the file's path.</summary>
    public static EvaluationData Load(string file)
    {
        if (!File.Exists(file))
        {
            throw new IOException($"--embeddings {file}: no such file.");
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
            if (embeddings.isnan().any().item<bool>() || embeddings.isinf().any().item<bool>())
            {
                var bad = embeddings.isfinite().logical_not().any(1).nonzero()[0, 0].item<long>();
                throw new InvalidDataException($"{file}: 'embeddings' holds NaN or infinite values (first in row {bad}).");
            }
            var raw = labels.to(int64).data<long>().ToArray();
            var classes = raw.Distinct().Order().ToArray();
            if (classes.Length < 2)
            {
                throw new InvalidDataException($"{file}: the labels hold {classes.Length} class{(classes.Length == 1 ? "" : "es")}; metrics need at least two.");
            }
            Tensor? pooled = null;
            if (tensors.TryGetValue("avg_features", out var avg))
            {
                if (avg.dim() != 2 || avg.shape[0] != n || !avg.is_floating_point())
                {
                    throw new InvalidDataException($"{file}: 'avg_features' has shape [{string.Join(", ", avg.shape)}] ({avg.dtype}), expected [{n}, P] float32.");
                }
                pooled = avg;
            }
            var index = classes.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
            return new EvaluationData(embeddings, raw.Select(l => index[l]).ToArray(), classes.Length, pooled);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
