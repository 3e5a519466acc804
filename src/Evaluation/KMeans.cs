using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// k-means exactly as the original runs it through faiss 1.7 (<c>faiss.Clustering</c> with 20 iterations, every point
/// used, IndexFlatL2): the initial centroids are the first k points of faiss's seeded permutation, each iteration
/// assigns points with faiss's arithmetic (<see cref="Assigner"/>), recomputes centroids as faiss does (float32 sums in
/// point order, then a multiplication by the float reciprocal of the count) and refills empty clusters by faiss's
/// seeded splitting. The same embeddings give the same centroids and assignments as the original, so NMI and F1 match
/// it, not only its quality. Memory holds the points, a packed copy of the centroids and eight rows of scores per thread.
/// </summary>
public static class KMeans
{
    /// <summary>faiss's default clustering seed: like the original, the clustering does not follow <c>--seed</c>.</summary>
    public const int DefaultSeed = 1234;

    public const int DefaultIterations = 20;

    /// <summary>faiss's relative perturbation when it splits a cluster to refill an empty one (a bit above float16's epsilon).</summary>
    private const float SplitEpsilon = 1f / 1024;

    /// <returns>[k, D] float32 centroids and the nearest centroid of each point.</returns>
    public static (Tensor Centroids, int[] Assignments) Fit(Tensor points, int k, int iterations = DefaultIterations, int seed = DefaultSeed)
    {
        var n = (int)points.shape[0];
        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"k-means with {k} clusters over {n} points.");
        }
        var d = (int)points.shape[1];
        var values = KernelInput.Floats(points);
        var assigner = new Assigner(values, n, d, cosine: false);
        var centroids = new float[k * d];
        if (n == k)
        {
            // faiss's corner case: the points are the centroids, no iteration.
            values.AsSpan(0, k * d).CopyTo(centroids);
            return (tensor(centroids, [k, d]), assigner.Assign(centroids, k));
        }
        var perm = FaissRandom.Permutation(n, seed + 1L);
        for (var c = 0; c < k; c++)
        {
            values.AsSpan(perm[c] * d, d).CopyTo(centroids.AsSpan(c * d, d));
        }
        var counts = new float[k];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var assignments = assigner.Assign(centroids, k);
            Array.Clear(centroids);
            Array.Clear(counts);
            // float32 sums in point order, as faiss's compute_centroids: each centroid's sum is one chain, whatever the threading.
            for (var i = 0; i < n; i++)
            {
                var a = assignments[i];
                counts[a] += 1;
                var row = values.AsSpan(i * d, d);
                var sum = centroids.AsSpan(a * d, d);
                for (var j = 0; j < d; j++)
                {
                    sum[j] += row[j];
                }
            }
            for (var c = 0; c < k; c++)
            {
                if (counts[c] == 0)
                {
                    continue;
                }
                var reciprocal = 1 / counts[c];
                foreach (ref var v in centroids.AsSpan(c * d, d))
                {
                    v *= reciprocal;
                }
            }
            SplitClusters(centroids, d, n, counts);
        }
        return (tensor(centroids, [k, d]), assigner.Assign(centroids, k));
    }

    /// <summary>
    /// Each point's nearest centroid: smallest Euclidean distance, or with <paramref name="cosine"/> largest
    /// inner product (faiss's IndexFlatIP, as the original uses for its cosine variants). Ties go to the lower index.
    /// </summary>
    public static int[] Assign(Tensor points, Tensor centroids, bool cosine)
    {
        var (n, d, k) = ((int)points.shape[0], (int)points.shape[1], (int)centroids.shape[0]);
        return new Assigner(KernelInput.Floats(points), n, d, cosine).Assign(KernelInput.Floats(centroids), k);
    }

    /// <summary>
    /// Nearest centroids of a fixed set of points, scored as faiss scores them (<see cref="FaissArithmetic"/>: the
    /// squared distance (|x|^2 + |c|^2) - 2&lt;x,c&gt; clamped at zero, or the inner product), ties to the lower index
    /// as faiss's one-result search gives them. Rows go in blocks, centroids in blocks whose packed copy stays in a
    /// core's cache, and each row keeps only its best so far: memory holds no block of scores beyond eight rows' worth.
    /// </summary>
    private sealed class Assigner
    {
        private const int RowsPerBlock = 256;
        private const int PackedBudget = 128 * 1024;

        private readonly float[] _points;
        private readonly float[]? _norms;
        private readonly int _n;
        private readonly int _d;
        private readonly ParallelOptions _parallel;

        public Assigner(float[] points, int n, int d, bool cosine)
        {
            _points = points;
            _n = n;
            _d = d;
            _norms = cosine ? null : FaissArithmetic.SquaredNorms(points, n, d);
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = KernelInput.Threads };
        }

        public int[] Assign(float[] centroids, int k)
        {
            var width = FaissArithmetic.PanelWidth;
            var panels = (k + width - 1) / width;
            var packed = FaissArithmetic.Pack(centroids, _d, 0, k);
            // Padding columns must never win: an infinite norm makes their distance infinite, an infinite bias their product.
            var offsets = new float[panels * width];
            if (_norms is null)
            {
                offsets.AsSpan(k).Fill(float.NegativeInfinity);
            }
            else
            {
                FaissArithmetic.SquaredNorms(centroids, k, _d).CopyTo(offsets, 0);
                offsets.AsSpan(k).Fill(float.PositiveInfinity);
            }
            var blockPanels = Math.Max(1, PackedBudget / (_d * width));
            var result = new int[_n];
            var rowBlocks = (_n + RowsPerBlock - 1) / RowsPerBlock;
            Parallel.For(0, rowBlocks, _parallel, () => new Buffers(blockPanels * width, _d), (rowBlock, _, buffers) =>
            {
                var first = rowBlock * RowsPerBlock;
                var rows = Math.Min(RowsPerBlock, _n - first);
                buffers.Reset(rows);
                for (var p0 = 0; p0 < panels; p0 += blockPanels)
                {
                    var blockPanelCount = Math.Min(blockPanels, panels - p0);
                    for (var group = 0; group < rows; group += FaissArithmetic.RowGroup)
                    {
                        var groupRows = Math.Min(FaissArithmetic.RowGroup, rows - group);
                        FaissArithmetic.DotRows(_points, first + group, groupRows, _d, packed, p0, blockPanelCount, buffers.Scores, 0, buffers.Stride,
                            buffers.Padding);
                        for (var g = 0; g < groupRows; g++)
                        {
                            var scores = buffers.Scores.AsSpan(g * buffers.Stride, blockPanelCount * width);
                            var (score, column) = VectorWidths.Best(scores, offsets.AsSpan(p0 * width, scores.Length), _norms?[first + group + g]);
                            // Blocks come in column order: only a strictly better score moves the best to a later column.
                            if (score > buffers.BestScores[group + g])
                            {
                                buffers.BestScores[group + g] = score;
                                buffers.BestColumns[group + g] = p0 * width + column;
                            }
                        }
                    }
                }
                buffers.BestColumns.AsSpan(0, rows).CopyTo(result.AsSpan(first));
                return buffers;
            }, _ => { });
            return result;
        }

        private sealed class Buffers(int stride, int d)
        {
            public readonly int Stride = stride;
            public readonly float[] Scores = new float[FaissArithmetic.RowGroup * stride];
            public readonly float[] Padding = new float[FaissArithmetic.RowGroup * d];
            public readonly float[] BestScores = new float[RowsPerBlock];
            public readonly int[] BestColumns = new int[RowsPerBlock];

            public void Reset(int rows)
            {
                BestScores.AsSpan(0, rows).Fill(float.NegativeInfinity);
                BestColumns.AsSpan(0, rows).Clear();
            }
        }
    }

    /// <summary>
    /// faiss's <c>split_clusters</c>: an empty cluster takes a copy of a cluster picked with probability growing with
    /// its size (a fresh generator seeded 1234 on every call, scanning clusters round-robin), both copies pushed apart
    /// by a relative epsilon, and they share its count.
    /// </summary>
    private static void SplitClusters(float[] centroids, int d, int n, float[] counts)
    {
        var k = counts.Length;
        var rng = new FaissRandom(DefaultSeed);
        for (var empty = 0; empty < k; empty++)
        {
            if (counts[empty] != 0)
            {
                continue;
            }
            int source;
            for (source = 0; ; source = (source + 1) % k)
            {
                var p = (float)((counts[source] - 1.0) / (float)(n - k));
                if (rng.NextFloat() < p)
                {
                    break;
                }
            }
            centroids.AsSpan(source * d, d).CopyTo(centroids.AsSpan(empty * d, d));
            for (var j = 0; j < d; j++)
            {
                var up = j % 2 == 0;
                centroids[empty * d + j] *= up ? 1 + SplitEpsilon : 1 - SplitEpsilon;
                centroids[source * d + j] *= up ? 1 - SplitEpsilon : 1 + SplitEpsilon;
            }
            counts[empty] = counts[source] / 2;
            counts[source] -= counts[empty];
        }
    }
}
