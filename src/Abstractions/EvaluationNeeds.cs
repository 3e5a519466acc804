namespace NirHost.Abstractions;

/// <summary>
/// What a metric reads from <see cref="IEvaluationData"/>. The evaluator merges the needs of all requested
/// metrics (<see cref="Union"/>) and computes each ingredient once: one neighbour search per distance up to
/// the largest depth, one k-means.
/// </summary>
public sealed record EvaluationNeeds
{
    /// <summary>Labels of this many Euclidean nearest neighbours (<see cref="IEvaluationData.NearestNeighbourLabels"/>).</summary>
    public int EuclideanNeighbours { get; init; }

    public int CosineNeighbours { get; init; }

    /// <summary>Same-class ranks up to this depth (<see cref="IEvaluationData.SameClassRanks"/>), Euclidean.</summary>
    public int EuclideanRankDepth { get; init; }

    public int CosineRankDepth { get; init; }

    /// <summary>Same-class ranks up to the largest class size, Euclidean (the depth depends on the data).</summary>
    public bool EuclideanRanksToClassSize { get; init; }

    public bool CosineRanksToClassSize { get; init; }

    /// <summary>k-means on the embeddings with Euclidean assignment.</summary>
    public bool KMeans { get; init; }

    /// <summary>
    /// The original's cosine clustering: the Euclidean k-means centroids, normalised, and each normalised
    /// embedding assigned to the centroid of largest inner product.
    /// </summary>
    public bool CosineKMeans { get; init; }

    /// <summary>The backbone's pooled features (<see cref="IEvaluationData.PooledFeatures"/>).</summary>
    public bool PooledFeatures { get; init; }

    public static EvaluationNeeds None { get; } = new();

    public EvaluationNeeds Union(EvaluationNeeds other) => new()
    {
        EuclideanNeighbours = Math.Max(EuclideanNeighbours, other.EuclideanNeighbours),
        CosineNeighbours = Math.Max(CosineNeighbours, other.CosineNeighbours),
        EuclideanRankDepth = Math.Max(EuclideanRankDepth, other.EuclideanRankDepth),
        CosineRankDepth = Math.Max(CosineRankDepth, other.CosineRankDepth),
        EuclideanRanksToClassSize = EuclideanRanksToClassSize || other.EuclideanRanksToClassSize,
        CosineRanksToClassSize = CosineRanksToClassSize || other.CosineRanksToClassSize,
        KMeans = KMeans || other.KMeans,
        CosineKMeans = CosineKMeans || other.CosineKMeans,
        PooledFeatures = PooledFeatures || other.PooledFeatures,
    };
}
