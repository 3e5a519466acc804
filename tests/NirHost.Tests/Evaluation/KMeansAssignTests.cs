using NirHost.Evaluation;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>
/// k-means assignment against a plain one over faiss's arithmetic: squared norms summed in double, each dot product
/// one fused multiply-add chain, distances clamped at zero, the first of equal best centroids.
/// </summary>
public sealed class KMeansAssignTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Assignments_are_faiss_nearest_centroids_across_centroid_blocks_ties_to_the_lower_index(bool cosine)
    {
        // d = 512 puts 256 centroids in a block, so 300 centroids take two; 100 points end in a partial row group.
        const int n = 100, d = 512, k = 300;
        var rng = new Random(5);
        var points = new float[n * d];
        var centroids = new float[k * d];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = MathF.Round((float)(rng.NextDouble() * 2 - 1), 1);
        }
        for (var i = 0; i < centroids.Length; i++)
        {
            centroids[i] = MathF.Round((float)(rng.NextDouble() * 2 - 1), 1);
        }
        // Equal centroids in both blocks and points sitting on them: ties that must go to the lower index.
        for (var copy = 0; copy < 4; copy++)
        {
            Array.Copy(centroids, 3 * d, centroids, (260 + copy * 10) * d, d);
            Array.Copy(centroids, 3 * d, points, copy * d, d);
        }

        using var x = tensor(points).reshape(n, d);
        using var c = tensor(centroids).reshape(k, d);
        var assigned = KMeans.Assign(x, c, cosine);

        var pointNorms = FaissArithmetic.SquaredNorms(points, n, d);
        var centroidNorms = FaissArithmetic.SquaredNorms(centroids, k, d);
        for (var i = 0; i < n; i++)
        {
            var best = 0;
            var bestScore = float.NegativeInfinity;
            for (var j = 0; j < k; j++)
            {
                var dot = 0f;
                for (var t = 0; t < d; t++)
                {
                    dot = MathF.FusedMultiplyAdd(points[i * d + t], centroids[j * d + t], dot);
                }
                var score = cosine ? dot : -Math.Max((pointNorms[i] + centroidNorms[j]) - 2f * dot, 0f);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = j;
                }
            }
            Assert.True(best == assigned[i], $"point {i}: expected centroid {best}, got {assigned[i]}");
        }
        // Euclidean ties resolved to the first copy (the inner product prefers longer centroids, so no such tie there).
        if (!cosine)
        {
            Assert.All(assigned.Take(4), a => Assert.Equal(3, a));
        }
    }
}
