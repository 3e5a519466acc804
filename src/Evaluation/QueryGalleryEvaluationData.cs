using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// Queries searched against a separate gallery (<see cref="IEvaluationData.IsQueryGallery"/>), as retrieval is used and as
/// the In-Shop benchmark defines its evaluation: neighbours and same-class ranks are gallery samples, nothing is dropped
/// as "the query itself", and the relevant count of a query (R of MAP@R) is the gallery's count of its class.
/// <para>
/// Everything that is not a search describes the queries: <see cref="Embeddings"/>, <see cref="Labels"/>,
/// <see cref="ClassSizes"/>, the k-means of nmi and f1 (as pytorch-metric-learning clusters its query set), and the
/// pooled features. Labels are renumbered 0..C-1 over the queries' classes; gallery samples of a class no query has can
/// still be retrieved (as misses), and a query whose class the gallery lacks misses on every metric.
/// </para>
/// </summary>
public sealed class QueryGalleryEvaluationData : IEvaluationData, IDisposable
{
    private readonly EvaluationData _queries;
    private readonly int[] _galleryLabels;
    private readonly int[] _relevant;
    private readonly Dictionary<bool, int[,]> _nearest = [];
    private readonly Dictionary<bool, SameClassRanks> _ranks = [];

    /// <param name="queryEmbeddings">[Nq, D]; copied, the caller keeps its tensor.</param>
    /// <param name="queryLabels">Class of each query, any integers.</param>
    /// <param name="galleryEmbeddings">[Ng, D]; copied.</param>
    /// <param name="galleryLabels">Class of each gallery sample, matched to the queries' by value.</param>
    /// <param name="queryPooledFeatures">[Nq, P] backbone features of the queries, for rho_spectrum on avg_features.</param>
    public QueryGalleryEvaluationData(Tensor queryEmbeddings, IReadOnlyList<long> queryLabels, Tensor galleryEmbeddings, IReadOnlyList<long> galleryLabels,
        Tensor? queryPooledFeatures = null)
    {
        if (queryLabels.Count == 0 || galleryLabels.Count == 0)
        {
            throw new ArgumentException($"Query/gallery evaluation needs samples in both: {queryLabels.Count} queries, {galleryLabels.Count} gallery samples.");
        }
        if (galleryEmbeddings.dim() != 2 || galleryEmbeddings.shape[0] != galleryLabels.Count)
        {
            throw new ArgumentException($"Gallery embeddings of shape [{string.Join(", ", galleryEmbeddings.shape)}] do not match {galleryLabels.Count} labels.");
        }
        if (queryEmbeddings.dim() == 2 && queryEmbeddings.shape[1] != galleryEmbeddings.shape[1])
        {
            throw new ArgumentException($"Queries have {queryEmbeddings.shape[1]} dimensions but the gallery has {galleryEmbeddings.shape[1]}.");
        }
        QueryLabelValues = [.. queryLabels];
        GalleryLabelValues = [.. galleryLabels];
        var classes = queryLabels.Distinct().Order().ToArray();
        var number = classes.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        _queries = new EvaluationData(queryEmbeddings, [.. queryLabels.Select(label => number[label])], classes.Length, queryPooledFeatures);
        try
        {
            RefuseNonFinite(galleryEmbeddings);
            _galleryLabels = [.. galleryLabels.Select(label => number.TryGetValue(label, out var n) ? n : -1)];
            _relevant = new int[classes.Length];
            foreach (var label in _galleryLabels)
            {
                if (label >= 0)
                {
                    _relevant[label]++;
                }
            }
            Gallery = galleryEmbeddings.detach().to(float32).cpu().contiguous().clone().DetachFromDisposeScope();
        }
        catch
        {
            _queries.Dispose();
            throw;
        }
    }

    /// <summary>The queries' labels as given (before renumbering), to write them out as they came.</summary>
    public IReadOnlyList<long> QueryLabelValues { get; }

    /// <summary>The gallery's labels as given.</summary>
    public IReadOnlyList<long> GalleryLabelValues { get; }

    /// <summary>The query embeddings.</summary>
    public Tensor Embeddings => _queries.Embeddings;

    /// <summary>[Ng, D] float32 gallery embeddings.</summary>
    public Tensor Gallery { get; }

    public Tensor? PooledFeatures => _queries.PooledFeatures;

    /// <summary>Query classes, 0..<see cref="NumClasses"/>-1.</summary>
    public IReadOnlyList<int> Labels => _queries.Labels;

    /// <summary>Gallery classes in the queries' numbering, -1 for classes no query has.</summary>
    public IReadOnlyList<int> GalleryLabels => _galleryLabels;

    /// <summary>The number of query classes.</summary>
    public int NumClasses => _queries.NumClasses;

    /// <summary>Queries of each class.</summary>
    public IReadOnlyList<int> ClassSizes => _queries.ClassSizes;

    public bool IsQueryGallery => true;

    public int RankedCount => _galleryLabels.Length;

    public IReadOnlyList<int> RelevantCounts => _relevant;

    public int QueryCount => _queries.Count;

    public int GalleryCount => _galleryLabels.Length;

    /// <summary>The query k-means (nmi, f1): the queries are the labelled set being scored, as in pytorch-metric-learning.</summary>
    public Clustering Clustering(bool cosine) => _queries.Clustering(cosine);

    /// <summary>Computes what the metrics need: one gallery search per distance, the query k-means.</summary>
    public void Prepare(EvaluationNeeds needs)
    {
        var maxRelevant = _relevant.Max();
        foreach (var cosine in new[] { false, true })
        {
            var nearest = Math.Min(cosine ? needs.CosineNeighbours : needs.EuclideanNeighbours, GalleryCount);
            var depth = Math.Max(cosine ? needs.CosineRankDepth : needs.EuclideanRankDepth,
                (cosine ? needs.CosineRanksToClassSize : needs.EuclideanRanksToClassSize) ? maxRelevant : 0);
            depth = Math.Min(depth, GalleryCount);
            var haveNearest = nearest == 0 || (_nearest.TryGetValue(cosine, out var n) && n.GetLength(1) >= nearest);
            var haveRanks = depth == 0 || (_ranks.TryGetValue(cosine, out var r) && r.Depth >= depth);
            if (!haveNearest || !haveRanks)
            {
                Search(haveNearest ? 0 : nearest, haveRanks ? 0 : depth, cosine);
            }
        }
        _queries.Prepare(new EvaluationNeeds { KMeans = needs.KMeans, CosineKMeans = needs.CosineKMeans, PooledFeatures = needs.PooledFeatures });
    }

    public int[,] NearestNeighbourLabels(int k, bool cosine) => NeighbourTables.Labels(NearestNeighbourIndices(k, cosine), _galleryLabels);

    /// <summary>Gallery indices of each query's k nearest, nearest first: [Nq, k].</summary>
    public int[,] NearestNeighbourIndices(int k, bool cosine)
    {
        CheckDepth(k);
        if (!_nearest.TryGetValue(cosine, out var cached) || cached.GetLength(1) < k)
        {
            Search(k, 0, cosine);
            cached = _nearest[cosine];
        }
        return NeighbourTables.Prefix(cached, k);
    }

    public SameClassRanks SameClassRanks(int depth, bool cosine)
    {
        CheckDepth(depth);
        if (!_ranks.TryGetValue(cosine, out var cached) || cached.Depth < depth)
        {
            Search(0, depth, cosine);
            cached = _ranks[cosine];
        }
        return NeighbourTables.Truncate(cached, depth, QueryCount);
    }

    private void CheckDepth(int k)
    {
        if (k < 1 || k > GalleryCount)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"{k} neighbours requested but the gallery has {GalleryCount} samples.");
        }
    }

    private void Search(int nearest, int depth, bool cosine)
    {
        var result = QueryGallerySearch.Search(Embeddings, Gallery, Labels, _galleryLabels, nearest, depth, cosine);
        if (result.Nearest is not null)
        {
            _nearest[cosine] = result.Nearest;
        }
        if (result.Ranks is not null)
        {
            _ranks[cosine] = result.Ranks;
        }
    }

    private static void RefuseNonFinite(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var badRows = embeddings.isfinite().all(1).logical_not();
        var count = badRows.sum().item<long>();
        if (count > 0)
        {
            var first = badRows.nonzero()[0, 0].item<long>();
            throw new NonFiniteEmbeddingsException(
                $"{count} of {badRows.shape[0]} gallery embeddings contain NaN or infinity (the first is gallery sample {first}); no metric is computed on them.");
        }
    }

    public void Dispose()
    {
        _queries.Dispose();
        Gallery.Dispose();
    }
}
