using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// Embeddings of one split with what metrics commonly need, computed once and shared by every metric
/// that asks for it.
/// </summary>
public interface IEvaluationData
{
    /// <summary>[N, D] float32 embeddings on the CPU.</summary>
    Tensor Embeddings { get; }

    /// <summary>Class of each sample.</summary>
    IReadOnlyList<int> Labels { get; }

    int NumClasses { get; }

    /// <summary>
    /// Labels of each sample's <paramref name="k"/> nearest neighbours, the sample itself excluded,
    /// nearest first: [N, k]. Euclidean distance, or cosine similarity when <paramref name="cosine"/> is set.
    /// </summary>
    int[,] NearestNeighbourLabels(int k, bool cosine);
}

/// <summary>An evaluation metric (the original's <c>metrics</c> folder). Larger is better unless stated.</summary>
public interface IMetric
{
    /// <summary>The full name as requested, e.g. <c>e_recall@4</c>.</summary>
    string Name { get; }

    /// <summary>Largest neighbour count this metric needs per distance (0 when none), so the evaluator searches once.</summary>
    (int Euclidean, int Cosine) NeighboursNeeded { get; }

    double Compute(IEvaluationData data);
}
