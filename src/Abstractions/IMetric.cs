using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// Embeddings of one split with what metrics commonly need, computed once and shared by every metric
/// that asks for it (through <see cref="IMetric.Needs"/>).
/// </summary>
public interface IEvaluationData
{
    /// <summary>[N, D] float32 embeddings on the CPU.</summary>
    Tensor Embeddings { get; }

    /// <summary>Class of each sample, numbered 0..<see cref="NumClasses"/>-1.</summary>
    IReadOnlyList<int> Labels { get; }

    int NumClasses { get; }

    /// <summary>
    /// Labels of each sample's <paramref name="k"/> nearest neighbours, the sample itself excluded (or, with
    /// <see cref="IsQueryGallery"/>, its nearest gallery samples), nearest first: [N, k]. Euclidean distance, or cosine similarity when <paramref name="cosine"/> is set.
    /// </summary>
    int[,] NearestNeighbourLabels(int k, bool cosine);

    /// <summary>Number of samples of each class.</summary>
    IReadOnlyList<int> ClassSizes => throw new NotSupportedException("This evaluation data has no class sizes.");

    /// <summary>
    /// How many samples each sample's neighbour ranking holds: the other samples of the split (N - 1), or with
    /// a separate gallery (<see cref="IsQueryGallery"/>) the gallery's size.
    /// </summary>
    int RankedCount => Labels.Count - 1;

    /// <summary>
    /// For each class c, how many samples of class c the ranking of a sample of class c holds: ClassSizes[c] - 1 when
    /// the split is searched against itself (the sample is not its own neighbour), the gallery's count of c with a
    /// separate gallery (0 where the gallery lacks the class). Metrics that divide by the relevant count (R of MAP@R)
    /// read this rather than <see cref="ClassSizes"/>.
    /// </summary>
    IReadOnlyList<int> RelevantCounts => [.. ClassSizes.Select(size => size - 1)];

    /// <summary>
    /// True when the samples (the queries) are searched against a separate gallery: neighbours, same-class ranks,
    /// <see cref="RankedCount"/> and <see cref="RelevantCounts"/> refer to the gallery, and nothing is dropped as "the
    /// sample itself". Everything else (embeddings, labels, class sizes, clustering) describes the queries.
    /// </summary>
    bool IsQueryGallery => false;

    /// <summary>
    /// Where each sample's own class appears in its neighbour ranking (the sample itself excluded), up to
    /// <paramref name="depth"/>. Ask for it through <see cref="EvaluationNeeds"/> so it is searched once.
    /// </summary>
    SameClassRanks SameClassRanks(int depth, bool cosine) => throw new NotSupportedException("This evaluation data has no neighbour ranks.");

    /// <summary>
    /// The original's k-means (k = number of classes, 20 iterations) and each sample's nearest centroid;
    /// with <paramref name="cosine"/>, the original's cosine variant (see <see cref="EvaluationNeeds.CosineKMeans"/>).
    /// </summary>
    Clustering Clustering(bool cosine) => throw new NotSupportedException("This evaluation data has no clustering.");

    /// <summary>[N, P] backbone features before the embedding head (the original's <c>avg_features</c>), when collected.</summary>
    Tensor? PooledFeatures => null;
}

/// <summary>An evaluation metric (the original's <c>metrics</c> folder). Larger is better unless stated.</summary>
public interface IMetric
{
    /// <summary>The full name as requested, e.g. <c>e_recall@4</c>.</summary>
    string Name { get; }

    /// <summary>Largest neighbour count this metric needs per distance (0 when none), so the evaluator searches once.</summary>
    (int Euclidean, int Cosine) NeighboursNeeded { get; }

    /// <summary>Everything this metric reads from <see cref="IEvaluationData"/>; the evaluator computes the union once.</summary>
    EvaluationNeeds Needs => new() { EuclideanNeighbours = NeighboursNeeded.Euclidean, CosineNeighbours = NeighboursNeeded.Cosine };

    double Compute(IEvaluationData data);
}
