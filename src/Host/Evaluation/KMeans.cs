using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// Lloyd's k-means as the original runs it through faiss (<c>faiss.Clustering</c> with 20 iterations, every
/// point used, k initial centroids drawn among the points, empty clusters refilled by splitting a large
/// one), written with libtorch. Assignments run over blocks of points into one reused buffer, so memory holds
/// a block x k distances; centroid sums accumulate in float64 in point order, so results do not depend on threading.
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
        var d = (int)x.shape[1];
        var values = x.data<float>().ToArray();
        var centroids = new double[k * d];
        for (var c = 0; c < k; c++)
        {
            for (var j = 0; j < d; j++)
            {
                centroids[c * d + j] = values[order[c] * d + j];
            }
        }
        using var assigner = new Assigner(x, k, cosine: false);
        var counts = new long[k];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var assignments = assigner.Assign(centroids);
            Array.Clear(centroids);
            Array.Clear(counts);
            // Sums in point order, in double: the same centroids whatever the threading.
            for (var i = 0; i < n; i++)
            {
                var a = assignments[i];
                counts[a]++;
                var row = values.AsSpan(i * d, d);
                var sum = centroids.AsSpan(a * d, d);
                for (var j = 0; j < d; j++)
                {
                    sum[j] += row[j];
                }
            }
            for (var c = 0; c < k; c++)
            {
                var count = (double)Math.Max(counts[c], 1);
                foreach (ref var v in centroids.AsSpan(c * d, d))
                {
                    v /= count;
                }
            }
            RefillEmpty(centroids, d, counts, rng);
        }
        var result = tensor(centroids.Select(v => (float)v).ToArray()).reshape(k, d);
        return (result, assigner.Assign(centroids));
    }

    /// <summary>Nearest centroids of a fixed set of points, block by block into one reused score buffer.</summary>
    private sealed class Assigner : IDisposable
    {
        private readonly Tensor _points;
        private readonly Tensor _scores;
        private readonly int _n;
        private readonly int _k;
        private readonly int _block;
        private readonly bool _cosine;

        public Assigner(Tensor points, int k, bool cosine)
        {
            _points = points;
            _n = (int)points.shape[0];
            _k = k;
            _cosine = cosine;
            _block = BlockRows(_n, k);
            _scores = empty(_block, k, dtype: float32);
        }

        public int[] Assign(double[] centroids) => Assign(tensor(centroids.Select(v => (float)v).ToArray()).reshape(_k, -1), dispose: true);

        /// <summary>
        /// Largest inner product, or for Euclidean assignment largest 2&lt;x,c&gt; - |c|^2 (the point's own norm does
        /// not change the order); ties go to the lower index.
        /// </summary>
        public int[] Assign(Tensor centroids, bool dispose = false)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var c = centroids.to(float32);
            var cT = c.t();
            var negativeNorms = _cosine ? null : c.square().sum(1).neg_().unsqueeze(0);
            var result = new int[_n];
            for (var start = 0; start < _n; start += _block)
            {
                var length = Math.Min(_block, _n - start);
                var p = _points.narrow(0, start, length);
                var scores = _scores.narrow(0, 0, length);
                if (_cosine)
                {
                    scores.addmm_(p, cT, beta: 0, alpha: 1);
                }
                else
                {
                    scores.copy_(negativeNorms!.expand(length, _k));
                    scores.addmm_(p, cT, beta: 1, alpha: 2);
                }
                var best = scores.argmax(1).to(int32);
                best.data<int>().CopyTo(result.AsSpan(start, length));
            }
            if (dispose)
            {
                centroids.Dispose();
            }
            return result;
        }

        public void Dispose() => _scores.Dispose();
    }

    /// <summary>
    /// Each point's nearest centroid: smallest Euclidean distance, or with <paramref name="cosine"/> largest
    /// inner product (faiss's IndexFlatIP, as the original uses for its cosine variants). Ties go to the lower index.
    /// </summary>
    public static int[] Assign(Tensor points, Tensor centroids, bool cosine)
    {
        using var _ = no_grad();
        using var x = points.to(float32).contiguous();
        using var assigner = new Assigner(x, (int)centroids.shape[0], cosine);
        return assigner.Assign(centroids);
    }

    private static int BlockRows(int n, int k) => (int)Math.Clamp(NeighbourSearch.MaxBlockScores / Math.Max(k, 1), 1, Math.Max(n, 1));

    /// <summary>
    /// faiss's <c>split_clusters</c>: an empty cluster takes a copy of a cluster picked with probability
    /// growing with its size, both copies pushed apart by a relative epsilon, and they share its points.
    /// </summary>
    private static void RefillEmpty(double[] values, int d, long[] counts, Random rng)
    {
        var k = counts.Length;
        var n = counts.Sum();
        if (!counts.Any(c => c == 0))
        {
            return;
        }
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
    }
}
