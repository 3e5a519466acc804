using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// Embeddings of one split plus everything metrics share, computed once per distance on first use (or
/// all at once by <see cref="Prepare"/>): nearest neighbours, same-class ranks, k-means.
/// Memory: the embeddings (and a normalised copy for cosine), what <see cref="NeighbourSearch"/> and
/// <see cref="KMeans"/> hold while they run, N x k neighbour indices, the same-class ranks found, and k x D
/// centroids; never N x N.
/// </summary>
public sealed class EvaluationData : IEvaluationData, IDisposable
{
    private readonly int[] _labels;
    private readonly int[] _classSizes;
    private readonly Dictionary<bool, int[,]> _nearest = [];
    private readonly Dictionary<bool, SameClassRanks> _ranks = [];
    private readonly Dictionary<bool, Clustering> _clusterings = [];

    /// <param name="embeddings">[N, D] embeddings; copied to float32 on the CPU, the caller keeps its tensor.</param>
    /// <param name="labels">Class of each sample, 0..<paramref name="numClasses"/>-1.</param>
    /// <param name="pooledFeatures">[N, P] backbone features, for metrics of the original's <c>avg_features</c>.</param>
    public EvaluationData(Tensor embeddings, int[] labels, int numClasses, Tensor? pooledFeatures = null)
    {
        if (embeddings.dim() != 2 || embeddings.shape[0] != labels.Length)
        {
            throw new ArgumentException($"Embeddings of shape [{string.Join(", ", embeddings.shape)}] do not match {labels.Length} labels.");
        }
        if (pooledFeatures is not null && (pooledFeatures.dim() != 2 || pooledFeatures.shape[0] != labels.Length))
        {
            throw new ArgumentException($"Pooled features of shape [{string.Join(", ", pooledFeatures.shape)}] do not match {labels.Length} labels.");
        }
        _classSizes = new int[numClasses];
        foreach (var label in labels)
        {
            if (label < 0 || label >= numClasses)
            {
                throw new ArgumentException($"Label {label} is outside 0..{numClasses - 1}.");
            }
            _classSizes[label]++;
        }
        RefuseNonFinite(embeddings);
        // The data owns its copies: a dispose scope open around the constructor must not take them.
        Embeddings = embeddings.detach().to(float32).cpu().contiguous().clone().DetachFromDisposeScope();
        PooledFeatures = pooledFeatures?.detach().to(float32).cpu().contiguous().clone().DetachFromDisposeScope();
        _labels = labels;
        NumClasses = numClasses;
    }

    public Tensor Embeddings { get; }

    public Tensor? PooledFeatures { get; }

    public IReadOnlyList<int> Labels => _labels;

    public int NumClasses { get; }

    private static void RefuseNonFinite(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var badRows = embeddings.isfinite().all(1).logical_not();
        var count = badRows.sum().item<long>();
        if (count == 0)
        {
            return;
        }
        var first = badRows.nonzero()[0, 0].item<long>();
        throw new NonFiniteEmbeddingsException(
            $"{count} of {badRows.shape[0]} embeddings contain NaN or infinity (the first is sample {first}); no metric is computed on them.");
    }

    public IReadOnlyList<int> ClassSizes => _classSizes;

    public int Count => _labels.Length;

    /// <summary>Computes what the metrics need: one neighbour search per distance, one k-means.</summary>
    public void Prepare(EvaluationNeeds needs)
    {
        var maxClass = _classSizes.Max();
        foreach (var cosine in new[] { false, true })
        {
            var nearest = cosine ? needs.CosineNeighbours : needs.EuclideanNeighbours;
            var depth = Math.Max(cosine ? needs.CosineRankDepth : needs.EuclideanRankDepth,
                (cosine ? needs.CosineRanksToClassSize : needs.EuclideanRanksToClassSize) ? maxClass : 0);
            depth = Math.Min(depth, Count - 1);
            var haveNearest = nearest == 0 || (_nearest.TryGetValue(cosine, out var n) && n.GetLength(1) >= nearest);
            var haveRanks = depth == 0 || (_ranks.TryGetValue(cosine, out var r) && r.Depth >= depth);
            if (!haveNearest || !haveRanks)
            {
                Search(haveNearest ? 0 : nearest, haveRanks ? 0 : depth, cosine);
            }
        }
        if (needs.KMeans || needs.CosineKMeans)
        {
            Clustering(cosine: false);
        }
        if (needs.CosineKMeans)
        {
            Clustering(cosine: true);
        }
        if (needs.PooledFeatures && PooledFeatures is null)
        {
            throw new InvalidOperationException("A metric needs the backbone's pooled features (avg_features), which this evaluation did not collect.");
        }
    }

    public int[,] NearestNeighbourLabels(int k, bool cosine) => NeighbourTables.Labels(NearestNeighbourIndices(k, cosine), _labels);

    /// <summary>Indices of each sample's k nearest neighbours, nearest first, the sample excluded: [N, k].</summary>
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
        return NeighbourTables.Truncate(cached, depth, Count);
    }

    public Clustering Clustering(bool cosine)
    {
        if (_clusterings.TryGetValue(cosine, out var cached))
        {
            return cached;
        }
        Clustering result;
        if (!cosine)
        {
            var (centroids, assignments) = KMeans.Fit(Embeddings, NumClasses);
            result = new Clustering(centroids.DetachFromDisposeScope(), assignments);
        }
        else
        {
            // The original overwrites its cosine k-means centroids with the normalised Euclidean ones
            // (centroids_cosine = normalize(centroids)) and assigns normalised embeddings by inner product.
            var euclidean = Clustering(cosine: false);
            var centroids = nn.functional.normalize(euclidean.Centroids, dim: 1).DetachFromDisposeScope();
            using var normalised = nn.functional.normalize(Embeddings, dim: 1);
            result = new Clustering(centroids, KMeans.Assign(normalised, centroids, cosine: true));
        }
        _clusterings[cosine] = result;
        return result;
    }

    /// <summary>Uses a clustering computed elsewhere (the reference fixtures carry faiss's) instead of k-means.</summary>
    public void UseClustering(bool cosine, Tensor centroids, int[] assignments)
    {
        if (assignments.Length != Count)
        {
            throw new ArgumentException($"{assignments.Length} cluster assignments for {Count} samples.");
        }
        if (_clusterings.Remove(cosine, out var previous))
        {
            previous.Centroids.Dispose();
        }
        _clusterings[cosine] = new Clustering(centroids.detach().to(float32).cpu().clone().DetachFromDisposeScope(), assignments);
    }

    private void CheckDepth(int k)
    {
        if (k < 1 || k > Count - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"{k} neighbours requested but the split has {Count} samples.");
        }
    }

    private void Search(int nearest, int depth, bool cosine)
    {
        var result = NeighbourSearch.Search(Embeddings, _labels, nearest, depth, cosine);
        if (result.Nearest is not null)
        {
            _nearest[cosine] = result.Nearest;
        }
        if (result.Ranks is not null)
        {
            _ranks[cosine] = result.Ranks;
        }
    }

    public void Dispose()
    {
        Embeddings.Dispose();
        PooledFeatures?.Dispose();
        foreach (var clustering in _clusterings.Values)
        {
            clustering.Centroids.Dispose();
        }
        _clusterings.Clear();
    }
}
