using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace NirHost.Retrieval;

/// <summary>One match of a query: its rank (1-based), the indexed row with its path and label where known, and the distance.</summary>
public sealed record SearchMatch(int Rank, int Row, string? Path, long? Label, float Distance);

/// <summary>
/// What <c>nirhost index build</c> writes and <c>nirhost search</c> loads: a nearest-neighbour index over embeddings with
/// each row's path and label, in one safetensors file. <c>exact</c> keeps the rows (<c>vectors</c> [N, D] float32,
/// normalised for cosine) and scans them all; <c>hnsw</c> keeps USearch's graph with its vectors (<c>hnsw</c>, bytes).
/// The metadata names the kind, metric and dimension, and carries what made the embeddings (run, checkpoint), so a
/// search can embed its query images with the same model. A query of another dimension or metric is refused.
/// </summary>
public sealed class SearchIndex : IDisposable
{
    public const string Exact = "exact";
    public const string Hnsw = "hnsw";

    public const string KindKey = "nirhost.index.kind";
    public const string MetricKey = "nirhost.index.metric";
    public const string DimensionKey = "nirhost.index.dimension";
    public const string CountKey = "nirhost.index.count";
    public const string ConnectivityKey = "nirhost.index.connectivity";
    public const string ExpansionAddKey = "nirhost.index.expansion_add";
    public const string ExpansionSearchKey = "nirhost.index.expansion_search";

    /// <summary>Metadata: the embeddings file the index was built from.</summary>
    public const string EmbeddingsKey = "nirhost.index.embeddings";

    private const string VectorsName = "vectors";
    private const string GraphName = "hnsw";

    private SearchIndex(string kind, INeighbourIndex index, long[]? labels, IReadOnlyList<string>? paths, IReadOnlyDictionary<string, string> metadata)
    {
        Kind = kind;
        Index = index;
        Labels = labels;
        Paths = paths;
        Metadata = metadata;
    }

    public string Kind { get; }

    public INeighbourIndex Index { get; }

    public IndexMetric Metric => Index.Metric;

    public int Dimension => Index.Dimension;

    public int Count => Index.Count;

    public long[]? Labels { get; }

    public IReadOnlyList<string>? Paths { get; }

    /// <summary>The index's own entries and those of the embeddings it was built from (run, checkpoint, source).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Indexes <paramref name="embeddings"/> (whose vector array the exact kind takes over).</summary>
    public static SearchIndex Build(EmbeddingSet embeddings, string kind, IndexMetric metric, HnswOptions? hnsw = null, int threads = 0,
        string? source = null, Action<string, int, int>? progress = null)
    {
        var metadata = embeddings.Metadata
            .Where(p => p.Key is EmbeddingsFile.RunKey or EmbeddingsFile.CheckpointKey or EmbeddingsFile.OnnxModelKey or EmbeddingsFile.SourceKey)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        metadata[KindKey] = kind;
        metadata[MetricKey] = metric.Name();
        metadata[DimensionKey] = embeddings.Dimension.ToString(CultureInfo.InvariantCulture);
        metadata[CountKey] = embeddings.Count.ToString(CultureInfo.InvariantCulture);
        if (source is not null)
        {
            metadata[EmbeddingsKey] = source;
        }
        INeighbourIndex index;
        switch (kind)
        {
            case Exact:
                index = new ExactIndex(embeddings.Vectors, embeddings.Dimension, metric, threads);
                break;
            case Hnsw:
                var options = (hnsw ?? new HnswOptions()) with { Threads = threads };
                metadata[ConnectivityKey] = options.Connectivity.ToString(CultureInfo.InvariantCulture);
                metadata[ExpansionAddKey] = options.ExpansionAdd.ToString(CultureInfo.InvariantCulture);
                metadata[ExpansionSearchKey] = options.ExpansionSearch.ToString(CultureInfo.InvariantCulture);
                index = HnswIndex.Build(embeddings.Vectors, embeddings.Dimension, metric, options, progress);
                break;
            default:
                throw new ArgumentException($"--kind {kind}: choose {Exact} or {Hnsw}.");
        }
        return new SearchIndex(kind, index, embeddings.Labels, embeddings.Paths, metadata);
    }

    /// <summary>Writes the index through a temporary file and a rename.</summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>(Metadata, StringComparer.Ordinal);
        var lists = Paths is null ? null : new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { [EmbeddingsFile.PathsKey] = Paths };
        var entries = new List<(string Name, string DType, long[] Shape)>();
        long graphLength = 0;
        switch (Index)
        {
            case ExactIndex:
                entries.Add((VectorsName, "F32", [Count, Dimension]));
                break;
            case HnswIndex graph:
                graphLength = graph.SerializedLength;
                entries.Add((GraphName, "U8", [graphLength]));
                break;
        }
        if (Labels is not null)
        {
            entries.Add((EmbeddingsFile.LabelsName, "I64", [Count]));
        }
        using var writer = new SafeTensorsStreamWriter(path, SafeTensorsStreamWriter.HeaderRoom(entries, metadata, lists));
        switch (Index)
        {
            case ExactIndex exact:
                writer.BeginTensor(VectorsName, "F32");
                writer.Append(MemoryMarshal.AsBytes(exact.Vectors));
                writer.EndTensor(Count, Dimension);
                break;
            case HnswIndex graph:
                writer.BeginTensor(GraphName, "U8");
                graph.WriteTo(writer.Append);
                writer.EndTensor(graphLength);
                break;
        }
        if (Labels is not null)
        {
            writer.BeginTensor(EmbeddingsFile.LabelsName, "I64");
            writer.Append(MemoryMarshal.AsBytes(Labels.AsSpan()));
            writer.EndTensor(Count);
        }
        writer.Complete(metadata, lists);
    }

    /// <param name="threads">Threads per exact search (0: one per processor).</param>
    /// <param name="expansionSearch">For hnsw: candidates per query (null: the value it was built with).</param>
    public static SearchIndex Load(string path, int threads = 0, int? expansionSearch = null)
    {
        using var file = new SafeTensorsReader(path, "index");
        string Required(string key) => file.Metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"{path} is not a NirHost index: its metadata has no '{key}' (build one with nirhost index build).");
        var kind = Required(KindKey);
        IndexMetric metric;
        try
        {
            metric = IndexMetrics.Parse(Required(MetricKey), "metric");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        INeighbourIndex index;
        int count;
        switch (kind)
        {
            case Exact when file.Entries.ContainsKey(VectorsName):
                var vectors = EmbeddingsFile.ReadMatrix(file, VectorsName, out var dimension);
                count = vectors.Length / dimension;
                // The rows as they were searched when built (normalised for cosine): the same results after loading.
                index = ExactIndex.Stored(vectors, dimension, metric, threads);
                break;
            case Hnsw when file.Entries.TryGetValue(GraphName, out var graph):
                dimension = int.Parse(Required(DimensionKey), CultureInfo.InvariantCulture);
                count = int.Parse(Required(CountKey), CultureInfo.InvariantCulture);
                try
                {
                    index = HnswIndex.Load(file.Verified(GraphName), graph.Length, count, dimension, metric,
                        expansionSearch ?? int.Parse(Required(ExpansionSearchKey), CultureInfo.InvariantCulture));
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidDataException($"{path}: {e.Message}", e);
                }
                break;
            default:
                throw new InvalidDataException($"{path}: index kind '{kind}' without its data (expected {Exact} with '{VectorsName}' or {Hnsw} with '{GraphName}').");
        }
        try
        {
            var labels = EmbeddingsFile.ReadLabels(file, count);
            var paths = EmbeddingsFile.ReadPaths(file.Metadata, count, path);
            var metadata = file.Metadata.Where(p => p.Key is not (EmbeddingsFile.PathsKey or SafeTensorsHeader.ChecksumsKey))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return new SearchIndex(kind, index, labels, paths, metadata);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest indexed rows of each query (row-major), nearest first. Queries of another dimension,
    /// or asked for with another metric than the index's, are refused.
    /// </summary>
    public SearchMatch[][] Search(ReadOnlySpan<float> queries, int queryDimension, int k, IndexMetric? metric = null)
    {
        if (queryDimension != Dimension)
        {
            throw new ArgumentException($"The queries have {queryDimension} dimensions but the index holds {Dimension}-dimensional embeddings; " +
                "embed the queries with the model that made the index.");
        }
        if (metric is { } asked && asked != Metric)
        {
            throw new ArgumentException($"The index measures {Metric.Name()} distances; a {asked.Name()} search needs an index built with --metric {asked.Name()}.");
        }
        var found = Index.Search(queries, k);
        return [.. found.Select(hits => hits.Select((hit, rank) => new SearchMatch(rank + 1, hit.Index, Paths?[hit.Index], Labels?[hit.Index], hit.Distance)).ToArray())];
    }

    public void Dispose() => Index.Dispose();
}
