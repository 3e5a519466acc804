using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// Embeddings of one split plus cached neighbour searches. The search runs exactly, in chunks of queries,
/// so memory stays at chunk x N floats rather than N x N.
/// </summary>
public sealed class EvaluationData : IEvaluationData, IDisposable
{
    private const int QueryChunk = 1024;
    private readonly Dictionary<bool, (int K, int[,] Labels)> _neighbours = [];
    private readonly int[] _labels;

    public EvaluationData(Tensor embeddings, int[] labels, int numClasses)
    {
        if (embeddings.shape[0] != labels.Length)
        {
            throw new ArgumentException($"{embeddings.shape[0]} embeddings but {labels.Length} labels.");
        }
        Embeddings = embeddings.to(float32).cpu().contiguous();
        _labels = labels;
        NumClasses = numClasses;
    }

    public Tensor Embeddings { get; }

    public IReadOnlyList<int> Labels => _labels;

    public int NumClasses { get; }

    /// <summary>Searches once for the largest k any metric needs, so smaller k are prefix views of it.</summary>
    public void Prepare(int euclideanK, int cosineK)
    {
        if (euclideanK > 0)
        {
            NearestNeighbourLabels(euclideanK, cosine: false);
        }
        if (cosineK > 0)
        {
            NearestNeighbourLabels(cosineK, cosine: true);
        }
    }

    public int[,] NearestNeighbourLabels(int k, bool cosine)
    {
        var n = _labels.Length;
        if (k < 1 || k > n - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} neighbours requested but the split has {n} samples.");
        }
        if (!_neighbours.TryGetValue(cosine, out var cached) || cached.K < k)
        {
            cached = (k, Search(k, cosine));
            _neighbours[cosine] = cached;
        }
        if (cached.K == k)
        {
            return cached.Labels;
        }
        var prefix = new int[n, k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                prefix[i, j] = cached.Labels[i, j];
            }
        }
        return prefix;
    }

    private int[,] Search(int k, bool cosine)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var n = _labels.Length;
        var keys = cosine ? nn.functional.normalize(Embeddings, dim: 1) : Embeddings;
        var keyNorms = cosine ? null : keys.square().sum(1);
        var result = new int[n, k];
        for (var start = 0; start < n; start += QueryChunk)
        {
            using var chunkScope = NewDisposeScope();
            var length = Math.Min(QueryChunk, n - start);
            var queries = keys.narrow(0, start, length);
            // Larger score = nearer: cosine similarity, or negative squared distance without the query's
            // own norm (a per-row constant that does not change the order).
            var scores = queries.mm(keys.t());
            if (!cosine)
            {
                scores = scores.mul_(2).sub_(keyNorms!.unsqueeze(0));
            }
            // The query itself is not its own neighbour: entry (r, start + r) is on the chunk's offset diagonal.
            scores.diagonal(offset: start).fill_(double.NegativeInfinity);
            var indices = scores.topk(k, dim: 1, largest: true, sorted: true).indexes.data<long>().ToArray();
            for (var row = 0; row < length; row++)
            {
                for (var j = 0; j < k; j++)
                {
                    result[start + row, j] = _labels[indices[row * k + j]];
                }
            }
        }
        return result;
    }

    public void Dispose() => Embeddings.Dispose();
}
