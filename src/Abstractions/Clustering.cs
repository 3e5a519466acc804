using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>A k-means result: [K, D] float32 centroids (owned by the evaluation data) and each sample's cluster.</summary>
public sealed record Clustering(Tensor Centroids, IReadOnlyList<int> Assignments);
