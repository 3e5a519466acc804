using System.Text.Json;
using System.Text.Json.Nodes;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Evaluation;
using NirHost.Host.Inference;
using NirHost.Host.Plugins;
using NirHost.Retrieval;
using static TorchSharp.torch;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost search INDEX (--query IMAGE... [--run RUN_FOLDER] | --query-embeddings FILE) [-k 10] [--figure FILE]</c>:
/// the nearest indexed images of each query, as JSON (rank, path, label, distance). Query images are embedded with the
/// run and checkpoint that made the index (its metadata names them) unless <c>--run</c>/<c>--checkpoint</c> say otherwise.
/// </summary>
public static class SearchCommand
{
    public const string Usage = "nirhost search INDEX (--query IMAGE... [--run RUN_FOLDER] [--checkpoint best|last|FILE] | --query-embeddings FILE) " +
        "[-k 10] [--figure FILE] [--metric l2|cosine] [--expansion_search N] [--threads N] [--device DEVICE]";

    private static readonly Dictionary<string, FlagArity> Flags = new(StringComparer.Ordinal)
    {
        ["query"] = FlagArity.Many, ["run"] = FlagArity.One, ["checkpoint"] = FlagArity.One, ["query-embeddings"] = FlagArity.One,
        ["query_embeddings"] = FlagArity.One, ["k"] = FlagArity.One, ["figure"] = FlagArity.One, ["metric"] = FlagArity.One,
        ["expansion_search"] = FlagArity.One, ["threads"] = FlagArity.One, ["device"] = FlagArity.One,
    };

    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = CommandArguments.Parse(args, "search", Usage, Flags);
        if (arguments.Positional.Count != 1)
        {
            throw new CommandLineException($"search needs one index file. Usage: {Usage}");
        }
        var queryImages = arguments.Values("query");
        var queryFile = arguments.Value("query-embeddings") ?? arguments.Value("query_embeddings");
        if ((queryImages is null) == (queryFile is null))
        {
            throw new CommandLineException($"search needs either --query IMAGE... or --query-embeddings FILE. Usage: {Usage}");
        }
        if (queryFile is not null && (arguments.Has("run") || arguments.Has("checkpoint") || arguments.Has("device")))
        {
            throw new CommandLineException("--run, --checkpoint and --device embed query images; --query-embeddings are embedded already.");
        }
        var k = arguments.Int("k", 10, 1);
        IndexMetric? metric = arguments.Value("metric") is { } metricName ? IndexMetrics.Parse(metricName, "--metric") : null;
        var indexPath = Path.GetFullPath(arguments.Positional[0]);
        if (!File.Exists(indexPath))
        {
            throw new IOException($"{indexPath}: no such index (build one with nirhost index build).");
        }
        using var index = SearchIndex.Load(indexPath, arguments.Int("threads", 0, 1),
            arguments.Has("expansion_search") ? arguments.Int("expansion_search", 0, 1) : null);

        EmbeddingSet queries;
        TrainedModel? model = null;
        try
        {
            if (queryFile is not null)
            {
                queries = EmbeddingsFile.Read(Path.GetFullPath(queryFile));
            }
            else
            {
                var run = arguments.Value("run") ?? (index.Metadata.TryGetValue(EmbeddingsFile.RunKey, out var recorded) ? recorded
                    : throw new CommandLineException($"{indexPath} does not record the run that made it; give --run RUN_FOLDER to embed the query images."));
                var checkpoint = arguments.Value("checkpoint")
                    ?? (arguments.Has("run") ? null : index.Metadata.GetValueOrDefault(EmbeddingsFile.CheckpointKey));
                (queries, model) = EmbedImages(catalog, flags, run, checkpoint, queryImages!, arguments.Value("device"));
            }
            SearchMatch[][] matches;
            try
            {
                matches = index.Search(queries.Vectors, queries.Dimension, k, metric);
            }
            catch (ArgumentException e)
            {
                throw new CommandLineException($"{indexPath}: {e.Message}");
            }
            output.WriteLine(Json(queries, matches).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (arguments.Value("figure") is { } figure)
            {
                DrawFigure(Path.GetFullPath(figure), index, queries, matches, catalog, flags, model);
            }
        }
        finally
        {
            model?.Dispose();
        }
        return 0;
    }

    private static JsonArray Json(EmbeddingSet queries, SearchMatch[][] matches)
    {
        var result = new JsonArray();
        for (var q = 0; q < matches.Length; q++)
        {
            var entry = new JsonObject { ["query"] = queries.Paths?[q] ?? (JsonNode)q };
            if (queries.Labels is not null)
            {
                entry["label"] = queries.Labels[q];
            }
            entry["matches"] = new JsonArray([.. matches[q].Select(m => (JsonNode)new JsonObject
            {
                ["rank"] = m.Rank,
                ["row"] = m.Row,
                ["path"] = m.Path,
                ["label"] = m.Label,
                ["distance"] = m.Distance,
            })]);
            result.Add(entry);
        }
        return result;
    }

    /// <summary>Embeds the query images exactly as <c>nirhost embed --images</c> would (through a list file of them).</summary>
    private static (EmbeddingSet Queries, TrainedModel Model) EmbedImages(PluginCatalog catalog, FlagCatalog flags, string run, string? checkpoint,
        IReadOnlyList<string> images, string? device)
    {
        var scratch = Directory.CreateTempSubdirectory("nirhost-search-");
        try
        {
            var list = Path.Combine(scratch.FullName, "queries.txt");
            var paths = images.Select(Path.GetFullPath).ToList();
            foreach (var path in paths.Where(p => !File.Exists(p)))
            {
                throw new CommandLineException($"--query {path}: no such image.");
            }
            File.WriteAllLines(list, paths);
            List<string> overrides = ["--dataset=images", $"--source_path={list}"];
            if (device is not null)
            {
                overrides.Add($"--device={device}");
            }
            var model = TrainedModel.Load(catalog, flags, run, checkpoint, overrides);
            try
            {
                var embeddings = Path.Combine(scratch.FullName, "queries.safetensors");
                EmbedCommand.Embed(model, model.Splits.Testing, embeddings, new Dictionary<string, string>(), withLabels: false, skipUnreadable: false);
                return (EmbeddingsFile.Read(embeddings), model);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The figure: query and match images from their paths, or, for an index of a dataset split without files (generated
    /// data), from the dataset itself, rebuilt with the run that made the index.
    /// </summary>
    private static void DrawFigure(string path, SearchIndex index, EmbeddingSet queries, SearchMatch[][] matches, PluginCatalog catalog,
        FlagCatalog flags, TrainedModel? queryModel)
    {
        var gallery = GalleryPictures(index, catalog, flags, out var galleryModel);
        try
        {
            var rows = new List<(SearchFigure.Picture, IReadOnlyList<SearchFigure.Picture>)>();
            for (var q = 0; q < matches.Length; q++)
            {
                var queryPath = queries.Paths?[q]
                    ?? throw new CommandLineException("--figure needs the query images: these query embeddings name no image paths.");
                var query = new SearchFigure.Picture(() => SearchFigure.FromFile(queryPath), queries.Labels?[q]);
                rows.Add((query, [.. matches[q].Select(m => gallery(m.Row))]));
            }
            SearchFigure.Write(path, rows);
        }
        finally
        {
            galleryModel?.Dispose();
        }
    }

    private static Func<int, SearchFigure.Picture> GalleryPictures(SearchIndex index, PluginCatalog catalog, FlagCatalog flags, out TrainedModel? model)
    {
        model = null;
        if (index.Paths is { } paths)
        {
            return row => new SearchFigure.Picture(() => SearchFigure.FromFile(paths[row]), index.Labels?[row]);
        }
        var source = index.Metadata.GetValueOrDefault(EmbeddingsFile.SourceKey)?.Split(' ');
        if (source is not ["dataset", var dataset, "split", var split] || !index.Metadata.TryGetValue(EmbeddingsFile.RunKey, out var run))
        {
            throw new CommandLineException("--figure needs the indexed images: the index names no image paths and no dataset split to read them from.");
        }
        model = TrainedModel.Load(catalog, flags, run, index.Metadata.GetValueOrDefault(EmbeddingsFile.CheckpointKey), [$"--dataset={dataset}"]);
        var data = EmbedCommand.Select(model.Splits, split, dataset);
        if (data.Count != index.Count)
        {
            throw new CommandLineException($"--figure: dataset {dataset} split {split} now holds {data.Count} samples, the index {index.Count}; it changed since.");
        }
        return row => new SearchFigure.Picture(() =>
        {
            using var scope = NewDisposeScope();
            return RetrievalFigure.ToBitmap(data.DisplayImage(row))
                ?? throw new InvalidDataException($"--figure: dataset {dataset} shows sample {row} as no image.");
        }, index.Labels?[row]);
    }
}
