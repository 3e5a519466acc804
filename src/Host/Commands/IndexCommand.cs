using System.Diagnostics;
using NirHost.Host.Cli;
using NirHost.Host.Reporting;
using NirHost.Retrieval;
using Spectre.Console;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost index build EMBEDDINGS --out INDEX [--kind exact|hnsw] [--metric l2|cosine]</c>: a search index over an
/// embeddings file (<see cref="SearchIndex"/>). <c>exact</c> scans every row per query; <c>hnsw</c> builds USearch's graph
/// for collections too large to scan (its parameters: <c>--connectivity</c>, <c>--expansion_add</c>, <c>--expansion_search</c>).
/// </summary>
public static class IndexCommand
{
    public const string Usage = "nirhost index build EMBEDDINGS --out INDEX [--kind exact|hnsw] [--metric l2|cosine] " +
        "[--connectivity 16] [--expansion_add 128] [--expansion_search 128] [--threads N]";

    private static readonly Dictionary<string, FlagArity> Flags = new(StringComparer.Ordinal)
    {
        ["out"] = FlagArity.One, ["kind"] = FlagArity.One, ["metric"] = FlagArity.One, ["connectivity"] = FlagArity.One,
        ["expansion_add"] = FlagArity.One, ["expansion_search"] = FlagArity.One, ["threads"] = FlagArity.One,
    };

    public static int Run(IReadOnlyList<string> args, TextWriter output, IAnsiConsole progressConsole)
    {
        if (args.Count == 0 || args[0] != "build")
        {
            throw new CommandLineException($"index: the subcommand is build. Usage: {Usage}");
        }
        var arguments = CommandArguments.Parse([.. args.Skip(1)], "index build", Usage, Flags);
        if (arguments.Positional.Count != 1)
        {
            throw new CommandLineException($"index build needs one embeddings file. Usage: {Usage}");
        }
        var embeddingsPath = Path.GetFullPath(arguments.Positional[0]);
        var outPath = Path.GetFullPath(arguments.Required("out"));
        var kind = arguments.Choice("kind", SearchIndex.Exact, SearchIndex.Exact, SearchIndex.Hnsw);
        var metric = IndexMetrics.Parse(arguments.Choice("metric", "l2", "l2", "cosine"), "--metric");
        var defaults = new HnswOptions();
        var hnsw = new HnswOptions
        {
            Connectivity = arguments.Int("connectivity", defaults.Connectivity, 2),
            ExpansionAdd = arguments.Int("expansion_add", defaults.ExpansionAdd, 1),
            ExpansionSearch = arguments.Int("expansion_search", defaults.ExpansionSearch, 1),
        };
        if (kind == SearchIndex.Exact && (arguments.Has("connectivity") || arguments.Has("expansion_add") || arguments.Has("expansion_search")))
        {
            throw new CommandLineException("--connectivity, --expansion_add and --expansion_search are parameters of --kind hnsw.");
        }
        var threads = arguments.Int("threads", 0, 1);
        if (!File.Exists(embeddingsPath))
        {
            throw new IOException($"{embeddingsPath}: no such embeddings file (write one with nirhost embed).");
        }
        var embeddings = EmbeddingsFile.Read(embeddingsPath);
        var clock = Stopwatch.StartNew();
        using (var progress = kind == SearchIndex.Hnsw ? new LiveProgress(progressConsole, "Building the graph", embeddings.Count) : null)
        using (var index = SearchIndex.Build(embeddings, kind, metric, hnsw, threads, embeddingsPath,
            progress is null ? null : (stage, done, total) => progress.Update(done, $"{stage} {done}/{total}")))
        {
            index.Save(outPath);
            if (index.Index is HnswIndex { Relinked: > 0 } graph)
            {
                output.WriteLine(graph.Unreached == 0
                    ? $"Added {Entries(graph.Relinked)} again that a search for their own embedding did not find; now every entry is found."
                    : $"Warning: {Entries(graph.Unreached)} stay unfound by a search for their own embedding after adding them again " +
                      $"(of {graph.Relinked} re-added); a build with --threads 1 or a larger --connectivity may find them.");
            }
        }
        output.WriteLine($"Indexed {embeddings.Count} embeddings ({embeddings.Dimension}-d, {kind}, {metric.Name()}) in {clock.Elapsed.TotalSeconds:F1} s: {outPath}");
        return 0;
    }

    private static string Entries(int count) => count == 1 ? "1 entry" : $"{count} entries";
}
