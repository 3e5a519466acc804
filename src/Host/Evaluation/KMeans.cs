using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// Lloyd's k-means as the original runs it through faiss (<c>faiss.Clustering</c> with 20 iterations, every
/// point used, k initial centroids drawn among the points, empty clusters refilled by splitting a large
/// one), written with libtorch. Assignments run over blocks of points, so memory holds a block x k
/// distances; centroid sums accumulate in float64 in point order, so results do not depend on threading.
/// faiss's random generator is not reproduced: results match its quality, not its bits.
/// </summary>
public static class KMeans
{
    /// <summary>faiss's default clustering seed: like the original, the clustering does not follow <c>--seed</c>.</summary>
    public const int DefaultSeed = 1234;

    public const int DefaultIterations = 20;

    /// <summary>faiss's relative perturbation when it splits a cluster to refill an empty one.</summary>
    private const double SplitEpsilon = 1.0 / 1024;

    /// <returns>[k, D] float32 centroids and the nearest centroid of each point.</returns>
    public static (Tensor Centroids, int[] Assignments) Fit(Tensor points, int k, int iterations = DefaultIterations, int seed = DefaultSeed)
    {
        var n = (int)points.shape[0];
        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"k-means with {k} clusters over {n} points.");
        }
        using var _ = no_grad();
        var x = points.to(float32).contiguous();
        var rng = new Random(seed);
        var order = Enumerable.Range(0, n).ToArray();
        // A partial Fisher-Yates shuffle picks k distinct points as the initial centroids.
        for (var i = 0; i < k; i++)
        {
            var j = i + rng.Next(n - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var centroids = x.index_select(0, tensor(order.Take(k).Select(i => (long)i).ToArray())).to(float64);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            using var scope = NewDisposeScope();
            var assignments = Assign(x, centroids.to(float32), cosine: false);
            var sums = zeros(k, x.shape[1], dtype: float64);
            var counts = new long[k];
            var block = BlockRows(n, k);
            for (var start = 0; start < n; start += block)
            {
                var length = Math.Min(block, n - start);
                var index = tensor(assignments.AsSpan(start, length).ToArray().Select(a => (long)a).ToArray());
                sums.index_add_(0, index, x.narrow(0, start, length).to(float64), alpha: 1);
            }
            foreach (var a in assignments)
            {
                counts[a]++;
            }
            var updated = sums.div(tensor(counts.Select(c => (double)Math.Max(c, 1)).ToArray(), dtype: float64).unsqueeze(1));
            RefillEmpty(updated, counts, rng);
            centroids.Dispose();
            centroids = updated.MoveToOuterDisposeScope();
        }
        var result = centroids.to(float32);
        centroids.Dispose();
        return (result, Assign(x, result, cosine: false));
    }

    /// <summary>
    /// Each point's nearest centroid: smallest Euclidean distance, or with <paramref name="cosine"/> largest
    /// inner product (faiss's IndexFlatIP, as the original uses for its cosine variants). Ties go to the lower index.
    /// </summary>
    public static int[] Assign(Tensor points, Tensor centroids, bool cosine)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var n = (int)points.shape[0];
        var k = (int)centroids.shape[0];
        var c = centroids.to(float32);
        var cT = c.t();
        var negativeNorms = cosine ? null : c.square().sum(1).neg_().unsqueeze(0);
        var result = new int[n];
        var block = BlockRows(n, k);
        for (var start = 0; start < n; start += block)
        {
            using var blockScope = NewDisposeScope();
            var length = Math.Min(block, n - start);
            var p = points.narrow(0, start, length).to(float32);
            var scores = cosine ? p.mm(cT) : addmm(negativeNorms!, p, cT, beta: 1, alpha: 2);
            var best = scores.argmax(1).to(int32).data<int>().ToArray();
            best.CopyTo(result, start);
        }
        return result;
    }

    private static int BlockRows(int n, int k) => (int)Math.Clamp(NeighbourSearch.MaxBlockScores / Math.Max(k, 1), 1, Math.Max(n, 1));

    /// <summary>
    /// faiss's <c>split_clusters</c>: an empty cluster takes a copy of a cluster picked with probability
    /// growing with its size, both copies pushed apart by a relative epsilon, and they share its points.
    /// </summary>
    private static void RefillEmpty(Tensor centroids, long[] counts, Random rng)
    {
        var k = counts.Length;
        var n = counts.Sum();
        if (!counts.Any(c => c == 0))
        {
            return;
        }
        var d = (int)centroids.shape[1];
        var values = centroids.data<double>().ToArray();
        for (var empty = 0; empty < k; empty++)
        {
            if (counts[empty] != 0)
            {
                continue;
            }
            if (counts.Max() <= 1)
            {
                // Nothing left to split: every other cluster holds a single point.
                break;
            }
            int source;
            for (source = 0; ; source = (source + 1) % k)
            {
                var p = (counts[source] - 1.0) / (n - k);
                if (rng.NextDouble() < p)
                {
                    break;
                }
            }
            for (var j = 0; j < d; j++)
            {
                var value = values[source * d + j];
                var sign = j % 2 == 0 ? 1 : -1;
                values[empty * d + j] = value * (1 + sign * SplitEpsilon);
                values[source * d + j] = value * (1 - sign * SplitEpsilon);
            }
            counts[empty] = counts[source] / 2;
            counts[source] -= counts[empty];
        }
        centroids.copy_(tensor(values, dtype: float64).reshape(k, d));
    }
}
