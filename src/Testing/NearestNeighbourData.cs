using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>Exact nearest-neighbour evaluation data for small sets of embeddings, as the kit exercises metrics.</summary>
public sealed class NearestNeighbourData(Tensor embeddings, int[] labels, int numClasses) : IEvaluationData
{
    public Tensor Embeddings { get; } = embeddings.to(float32).cpu().contiguous();

    public IReadOnlyList<int> Labels => labels;

    public int NumClasses => numClasses;

    public int[,] NearestNeighbourLabels(int k, bool cosine)
    {
        var n = labels.Length;
        if (k < 1 || k > n - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} neighbours requested but there are {n} samples.");
        }
        using var scope = NewDisposeScope();
        var keys = cosine ? nn.functional.normalize(Embeddings, dim: 1) : Embeddings;
        var scores = cosine ? keys.mm(keys.t()) : cdist(keys, keys).neg();
        scores.diagonal().fill_(double.NegativeInfinity);
        var indices = scores.topk(k, dim: 1).indexes.data<long>().ToArray();
        var result = new int[n, k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                result[i, j] = labels[indices[i * k + j]];
            }
        }
        return result;
    }
}
