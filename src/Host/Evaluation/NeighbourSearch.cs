using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// Exact nearest-neighbour search of a split against itself, the query excluded. Scores come from libtorch
/// matmuls over blocks of queries (so memory holds a block x N scores, never N x N); the selection runs in
/// managed code straight on each score row: a sampled threshold keeps only a few more than the k best
/// scores (one vectorised pass), and the ranks of the query's own class are counted among those
/// survivors, so no row is ever fully sorted. Ties go to the lower index, so results are deterministic.
/// </summary>
public static class NeighbourSearch
{
    /// <summary>Scores held at once: a block of queries times N, at most this many floats (64 MiB).</summary>
    public const long MaxBlockScores = 16L << 20;

    private const int SampleSize = 256;

    /// <summary>The result: indices of each row's nearest neighbours and the ranks of its own class.</summary>
    public sealed record Result(int[,]? Nearest, SameClassRanks? Ranks);

    /// <param name="embeddings">[N, D] float32 on the CPU.</param>
    /// <param name="labels">Class of each row.</param>
    /// <param name="nearest">How many nearest neighbour indices to return per row (0: none).</param>
    /// <param name="depth">Ranks of the own class up to this depth (0: none).</param>
    /// <param name="cosine">Cosine similarity of normalised embeddings instead of Euclidean distance.</param>
    public static Result Search(Tensor embeddings, IReadOnlyList<int> labels, int nearest, int depth, bool cosine)
    {
        var n = (int)embeddings.shape[0];
        if (nearest > n - 1 || depth > n - 1 || nearest < 0 || depth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nearest), $"{Math.Max(nearest, depth)} neighbours requested but the split has {n} samples.");
        }
        var k = Math.Max(nearest, depth);
        if (k == 0)
        {
            return new Result(null, null);
        }
        var labelArray = labels.ToArray();
        var nearestIndices = nearest > 0 ? new int[n, nearest] : null;
        var rankLists = depth > 0 ? new int[n][] : null;

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var keys = cosine ? nn.functional.normalize(embeddings.to(float32), dim: 1).contiguous() : embeddings.to(float32).contiguous();
        var keysT = keys.t();
        // Euclidean scores are negated squared distances rounded as faiss rounds them, (|q|^2 + |k|^2) - 2<q,k> in
        // float32, so near-ties fall the way they fall in the original.
        var norms = cosine ? null : keys.square().sum(1);
        var block = (int)Math.Clamp(MaxBlockScores / Math.Max(n, 1), 1, n);

        var workers = Math.Max(1, Math.Min(Environment.ProcessorCount, get_num_threads()));
        var buffers = new ThreadLocal<RowBuffers>(() => new RowBuffers(n), trackAllValues: false);
        for (var start = 0; start < n; start += block)
        {
            using var blockScope = NewDisposeScope();
            var length = Math.Min(block, n - start);
            var queries = keys.narrow(0, start, length);
            var scores = cosine
                ? queries.mm(keysT)
                : addmm(norms!.narrow(0, start, length).unsqueeze(1).add(norms!.unsqueeze(0)).neg_(), queries, keysT, beta: 1, alpha: 2);
            scores = scores.contiguous();
            var rowStart = start;
            var chunk = Math.Max(1, (length + workers * 4 - 1) / (workers * 4));
            Parallel.For(0, (length + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = workers }, part =>
            {
                var rows = MemoryMarshal.Cast<byte, float>(scores.bytes);
                var buffer = buffers.Value!;
                for (var r = part * chunk; r < Math.Min(length, (part + 1) * chunk); r++)
                {
                    var query = rowStart + r;
                    var row = rows.Slice(r * n, n);
                    SelectRow(row, query, labelArray, k, nearest, depth, buffer, nearestIndices, rankLists);
                }
            });
        }
        buffers.Dispose();

        SameClassRanks? ranks = null;
        if (rankLists is not null)
        {
            var offsets = new int[n + 1];
            for (var i = 0; i < n; i++)
            {
                offsets[i + 1] = offsets[i] + rankLists[i].Length;
            }
            var flat = new int[offsets[n]];
            for (var i = 0; i < n; i++)
            {
                rankLists[i].CopyTo(flat, offsets[i]);
            }
            ranks = new SameClassRanks(depth, offsets, flat);
        }
        return new Result(nearestIndices, ranks);
    }

    private sealed class RowBuffers(int n)
    {
        public readonly float[] Scores = new float[n];
        public readonly int[] Indices = new int[n];
        public readonly float[] Sample = new float[SampleSize];
        public readonly List<(float Score, int Index)> Own = [];
        public readonly List<int> Ranks = [];
    }

    private static void SelectRow(Span<float> row, int query, int[] labels, int k, int nearest, int depth, RowBuffers buffer,
        int[,]? nearestIndices, int[][]? rankLists)
    {
        row[query] = float.NegativeInfinity;
        var count = Candidates(row, query, k, buffer);
        var scores = buffer.Scores.AsSpan(0, count);
        var indices = buffer.Indices.AsSpan(0, count);

        if (nearestIndices is not null)
        {
            TopNearest(scores, indices, nearest, query, nearestIndices);
        }
        if (rankLists is null)
        {
            return;
        }
        var own = labels[query];
        buffer.Own.Clear();
        for (var i = 0; i < count; i++)
        {
            if (labels[indices[i]] == own)
            {
                buffer.Own.Add((scores[i], indices[i]));
            }
        }
        buffer.Ranks.Clear();
        foreach (var (score, index) in buffer.Own)
        {
            // Every sample ranked above a surviving one survived too, so counting among survivors is exact.
            var above = CountGreater(scores, score);
            if (above >= depth)
            {
                continue;
            }
            var equal = CountEqual(scores, score);
            if (equal > 1)
            {
                for (var i = 0; i < count; i++)
                {
                    if (scores[i] == score && indices[i] < index)
                    {
                        above++;
                    }
                }
            }
            if (above < depth)
            {
                buffer.Ranks.Add(above + 1);
            }
        }
        buffer.Ranks.Sort();
        rankLists[query] = [.. buffer.Ranks];
    }

    /// <summary>
    /// Copies into the buffers every score at least as large as a threshold that leaves at least
    /// <paramref name="k"/> of them (the query excluded), so the k best are among them.
    /// </summary>
    private static int Candidates(Span<float> row, int query, int k, RowBuffers buffer)
    {
        var n = row.Length;
        if (k >= n - 1)
        {
            return CollectAtLeast(row, float.NegativeInfinity, query, buffer, includeAll: true);
        }
        // Estimate the threshold from a strided sample, aiming at about 1.25 k + 64 survivors.
        var sample = buffer.Sample.AsSpan(0, Math.Min(SampleSize, n));
        var stride = n / sample.Length;
        for (var i = 0; i < sample.Length; i++)
        {
            sample[i] = row[i * stride];
        }
        sample.Sort();
        var wanted = 1.25 * k + 64;
        var fromTop = (int)Math.Ceiling(wanted * sample.Length / n);
        while (true)
        {
            if (fromTop >= sample.Length)
            {
                return CollectAtLeast(row, float.NegativeInfinity, query, buffer, includeAll: true);
            }
            var threshold = sample[sample.Length - 1 - fromTop];
            var count = CollectAtLeast(row, threshold, query, buffer, includeAll: false);
            if (count >= k)
            {
                return count;
            }
            fromTop = fromTop * 2 + 2;
        }
    }

    private static int CollectAtLeast(Span<float> row, float threshold, int query, RowBuffers buffer, bool includeAll)
    {
        var n = row.Length;
        var scores = buffer.Scores;
        var indices = buffer.Indices;
        var count = 0;
        if (includeAll)
        {
            for (var i = 0; i < n; i++)
            {
                if (i != query)
                {
                    scores[count] = row[i];
                    indices[count++] = i;
                }
            }
            return count;
        }
        var i0 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            var vectors = MemoryMarshal.Cast<float, Vector256<float>>(row);
            for (var v = 0; v < vectors.Length; v++)
            {
                var mask = Vector256.GreaterThanOrEqual(vectors[v], t).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var bit = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    var i = v * 8 + bit;
                    scores[count] = row[i];
                    indices[count++] = i;
                }
            }
            i0 = vectors.Length * 8;
        }
        for (var i = i0; i < n; i++)
        {
            if (row[i] >= threshold)
            {
                scores[count] = row[i];
                indices[count++] = i;
            }
        }
        // The query's own score is -inf, below any finite threshold; it is dropped here when the threshold is -inf.
        for (var i = 0; i < count; i++)
        {
            if (indices[i] == query)
            {
                scores[i] = scores[count - 1];
                indices[i] = indices[count - 1];
                count--;
                break;
            }
        }
        return count;
    }

    private static int CountGreater(ReadOnlySpan<float> scores, float value)
    {
        var count = 0;
        var i0 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(value);
            var vectors = MemoryMarshal.Cast<float, Vector256<float>>(scores);
            for (var v = 0; v < vectors.Length; v++)
            {
                count += BitOperations.PopCount(Vector256.GreaterThan(vectors[v], t).ExtractMostSignificantBits());
            }
            i0 = vectors.Length * 8;
        }
        for (var i = i0; i < scores.Length; i++)
        {
            if (scores[i] > value)
            {
                count++;
            }
        }
        return count;
    }

    private static int CountEqual(ReadOnlySpan<float> scores, float value)
    {
        var count = 0;
        var i0 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(value);
            var vectors = MemoryMarshal.Cast<float, Vector256<float>>(scores);
            for (var v = 0; v < vectors.Length; v++)
            {
                count += BitOperations.PopCount(Vector256.Equals(vectors[v], t).ExtractMostSignificantBits());
            }
            i0 = vectors.Length * 8;
        }
        for (var i = i0; i < scores.Length; i++)
        {
            if (scores[i] == value)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>The <paramref name="nearest"/> best candidates, best first (larger score, then lower index).</summary>
    private static void TopNearest(ReadOnlySpan<float> scores, ReadOnlySpan<int> indices, int nearest, int query, int[,] output)
    {
        if (nearest > 64)
        {
            // Insertion into a long list would cost nearest x candidates; sort the candidates instead.
            var all = new (float Score, int Index)[scores.Length];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = (scores[i], indices[i]);
            }
            Array.Sort(all, (a, b) => Better(a.Score, a.Index, b.Score, b.Index) ? -1 : Better(b.Score, b.Index, a.Score, a.Index) ? 1 : 0);
            for (var j = 0; j < nearest; j++)
            {
                output[query, j] = all[j].Index;
            }
            return;
        }
        Span<float> bestScores = stackalloc float[nearest];
        Span<int> bestIndices = stackalloc int[nearest];
        var filled = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            var index = indices[i];
            if (filled == nearest && !Better(s, index, bestScores[filled - 1], bestIndices[filled - 1]))
            {
                continue;
            }
            var position = filled == nearest ? nearest - 1 : filled++;
            while (position > 0 && Better(s, index, bestScores[position - 1], bestIndices[position - 1]))
            {
                bestScores[position] = bestScores[position - 1];
                bestIndices[position] = bestIndices[position - 1];
                position--;
            }
            bestScores[position] = s;
            bestIndices[position] = index;
        }
        for (var j = 0; j < nearest; j++)
        {
            output[query, j] = bestIndices[j];
        }
    }

    private static bool Better(float score, int index, float otherScore, int otherIndex) =>
        score > otherScore || (score == otherScore && index < otherIndex);
}
