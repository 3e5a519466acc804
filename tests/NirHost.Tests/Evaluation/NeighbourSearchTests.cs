using NirHost.Evaluation;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>
/// The tiled, symmetric, thresholded search against a plain one over the same arithmetic: every score of every
/// row computed one by one (norms summed in double, one fused multiply-add chain per dot product), each row sorted
/// whole, the first result dropped. Values are coarsely quantised so that rows hold many exact ties.
/// </summary>
public sealed class NeighbourSearchTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void Tiles_and_thresholds_give_the_whole_row_ranking_ties_and_duplicates_included(bool cosine, bool compress)
    {
        // 2200 x 32: two tile rows (a tile is at most 2048 wide), a partial last tile.
        const int n = 2200, d = 32, classes = 50;
        var rng = new Random(7);
        var x = new float[n * d];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = rng.Next(classes);
            for (var k = 0; k < d; k++)
            {
                x[i * d + k] = MathF.Round((float)(rng.NextDouble() * 4 - 2) + (labels[i] % 5 == k % 5 ? 1.5f : 0), 0) / 2;
            }
        }
        // Exact duplicates across classes: the first result of such a row need not be the row itself.
        for (var i = 0; i < 40; i++)
        {
            Array.Copy(x, (i + 100) * d, x, (i + 1000) * d, d);
        }

        AssertSameAsWholeRows(x, n, d, labels, nearest: 8, depth: 1000, cosine, compress);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rows_whose_sampled_threshold_keeps_too_few_are_searched_whole(bool compress)
    {
        // The pilot samples every second column; putting every even sample in one tight cluster and every odd one far
        // away makes each even row's threshold keep only the evens, far fewer than the 1001 results it needs.
        const int n = 2048, d = 16;
        var rng = new Random(3);
        var x = new float[n * d];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = i % 7;
            for (var k = 0; k < d; k++)
            {
                x[i * d + k] = (float)rng.NextDouble() + (i % 2 == 1 && k == 0 ? 50f : 0f);
            }
        }

        AssertSameAsWholeRows(x, n, d, labels, nearest: 4, depth: 1000, cosine: false, compress);
    }

    /// <param name="compress">The AVX-512 gathering of kept scores (where the machine has it), or the one-by-one one.</param>
    private static void AssertSameAsWholeRows(float[] x, int n, int d, int[] labels, int nearest, int depth, bool cosine, bool compress)
    {
        using var embeddings = tensor(x).reshape(n, d);
        var result = NeighbourSearch.Search(embeddings, labels, nearest, depth, cosine, compress);

        var keys = cosine ? FaissArithmetic.NormaliseRows(x, n, d) : x;
        var norms = FaissArithmetic.SquaredNorms(keys, n, d);
        var scores = new float[n];
        var order = new int[n];
        for (var q = 0; q < n; q++)
        {
            for (var j = 0; j < n; j++)
            {
                var dot = 0f;
                for (var k = 0; k < d; k++)
                {
                    dot = MathF.FusedMultiplyAdd(keys[q * d + k], keys[j * d + k], dot);
                }
                var distance = (norms[q] + norms[j]) - 2f * dot;
                scores[j] = cosine ? dot : -Math.Max(distance, 0f);
                order[j] = j;
            }
            Array.Sort(order, (a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : cosine ? b.CompareTo(a) : a.CompareTo(b));
            for (var j = 0; j < nearest; j++)
            {
                Assert.True(order[j + 1] == result.Nearest![q, j], $"row {q}, neighbour {j}: expected {order[j + 1]}, got {result.Nearest![q, j]}");
            }
            var expectedRanks = Enumerable.Range(1, depth).Where(rank => labels[order[rank]] == labels[q]).ToArray();
            Assert.Equal(expectedRanks, result.Ranks!.Of(q).ToArray());
        }
    }
}
