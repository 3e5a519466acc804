using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NirHost.Evaluation;

/// <summary>
/// The evaluation's element-wise kernels at the widest vector the machine accelerates: 512 bits on AVX-512, otherwise
/// <see cref="Vector{T}"/>, which the runtime sizes to the hardware (256 bits on AVX2, 128 on ARM64's NEON). A 512-bit
/// vector where it is not accelerated is emulated in halves through memory, slower than the narrower native one.
/// Every kernel here is lane-wise, so its results are the same bits at every width.
/// </summary>
internal static class VectorWidths
{
    /// <summary>The smallest and the largest of <paramref name="values"/> (infinities for an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Lowest, float Highest) MinMax(ReadOnlySpan<float> values)
    {
        var lowest = float.PositiveInfinity;
        var highest = float.NegativeInfinity;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector512<float>>(values);
            if (vectors.Length > 0)
            {
                var low = vectors[0];
                var high = vectors[0];
                foreach (var vector in vectors)
                {
                    low = Vector512.Min(low, vector);
                    high = Vector512.Max(high, vector);
                }
                for (var lane = 0; lane < Vector512<float>.Count; lane++)
                {
                    lowest = Math.Min(lowest, low[lane]);
                    highest = Math.Max(highest, high[lane]);
                }
            }
            i = vectors.Length * Vector512<float>.Count;
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            if (vectors.Length > 0)
            {
                var low = vectors[0];
                var high = vectors[0];
                foreach (var vector in vectors)
                {
                    low = Vector.Min(low, vector);
                    high = Vector.Max(high, vector);
                }
                for (var lane = 0; lane < Vector<float>.Count; lane++)
                {
                    lowest = Math.Min(lowest, low[lane]);
                    highest = Math.Max(highest, high[lane]);
                }
            }
            i = vectors.Length * Vector<float>.Count;
        }
        foreach (var value in values[i..])
        {
            lowest = Math.Min(lowest, value);
            highest = Math.Max(highest, value);
        }
        return (lowest, highest);
    }

    /// <summary>Histogram buckets: <c>min((int)((value - lowest) * scale), last)</c> per value, into <paramref name="buckets"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Buckets(ReadOnlySpan<float> values, float lowest, float scale, int last, Span<int> buckets)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector512<float>>(values);
            var targets = MemoryMarshal.Cast<int, Vector512<int>>(buckets);
            for (var v = 0; v < vectors.Length; v++)
            {
                targets[v] = Vector512.Min(Vector512.ConvertToInt32((vectors[v] - Vector512.Create(lowest)) * scale), Vector512.Create(last));
            }
            i = vectors.Length * Vector512<float>.Count;
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var targets = MemoryMarshal.Cast<int, Vector<int>>(buckets);
            for (var v = 0; v < vectors.Length; v++)
            {
                targets[v] = Vector.Min(Vector.ConvertToInt32((vectors[v] - new Vector<float>(lowest)) * scale), new Vector<int>(last));
            }
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            buckets[i] = Math.Min((int)((values[i] - lowest) * scale), last);
        }
    }

    /// <summary>
    /// Dot products to scores in place, faiss's <c>-max(0, (|q|^2 + |k|^2) - 2&lt;q,k&gt;)</c>, for as many leading
    /// elements as fill whole vectors; returns how many it did (the caller finishes the rest one by one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int NegatedSquaredDistances(Span<float> row, float rowNorm, ReadOnlySpan<float> columnNorms)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var q = Vector512.Create(rowNorm);
            var two = Vector512.Create(2f);
            var vectors = MemoryMarshal.Cast<float, Vector512<float>>(row);
            var norms = MemoryMarshal.Cast<float, Vector512<float>>(columnNorms[..row.Length]);
            for (var v = 0; v < vectors.Length; v++)
            {
                vectors[v] = -Vector512.Max((q + norms[v]) - two * vectors[v], Vector512<float>.Zero);
            }
            return vectors.Length * Vector512<float>.Count;
        }
        if (Vector.IsHardwareAccelerated)
        {
            var q = new Vector<float>(rowNorm);
            var two = new Vector<float>(2f);
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(row);
            var norms = MemoryMarshal.Cast<float, Vector<float>>(columnNorms[..row.Length]);
            for (var v = 0; v < vectors.Length; v++)
            {
                vectors[v] = -Vector.Max((q + norms[v]) - two * vectors[v], Vector<float>.Zero);
            }
            return vectors.Length * Vector<float>.Count;
        }
        return 0;
    }

    /// <summary>Bit j set where <c>values[j] &gt;= thresholds[j]</c>, for the sixteen floats from each reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AtLeastMask16(ref float values, ref float thresholds)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return (uint)Vector512.GreaterThanOrEqual(Vector512.LoadUnsafe(ref values), Vector512.LoadUnsafe(ref thresholds)).ExtractMostSignificantBits();
        }
        if (Vector256.IsHardwareAccelerated)
        {
            return Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref values), Vector256.LoadUnsafe(ref thresholds)).ExtractMostSignificantBits()
                | Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref values, 8), Vector256.LoadUnsafe(ref thresholds, 8)).ExtractMostSignificantBits() << 8;
        }
        var mask = 0u;
        for (nuint quarter = 0; quarter < 4; quarter++)
        {
            mask |= Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref values, quarter * 4), Vector128.LoadUnsafe(ref thresholds, quarter * 4))
                .ExtractMostSignificantBits() << (int)(quarter * 4);
        }
        return mask;
    }

    /// <summary>
    /// The largest of <c>dots[c] + offsets[c]</c>, or with <paramref name="rowNorm"/> of minus faiss's clamped squared
    /// distance <c>max(0, (rowNorm + offsets[c]) - 2 dots[c])</c>, and its column: the first of equals. Only whole
    /// vectors of the span are read; callers pad it to a multiple of sixteen.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Score, int Column) Best(ReadOnlySpan<float> dots, ReadOnlySpan<float> offsets, float? rowNorm)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Vector512<float>.Count;
            var bestScores = Vector512.Create(float.NegativeInfinity);
            var bestColumns = Vector512<int>.Zero;
            var columns = Vector512<int>.Indices;
            var q = Vector512.Create(rowNorm ?? 0);
            for (var c = 0; c + lanes <= dots.Length; c += lanes)
            {
                var dot = Vector512.Create(dots.Slice(c, lanes));
                var offset = Vector512.Create(offsets.Slice(c, lanes));
                var score = rowNorm is null ? dot + offset : -Vector512.Max((q + offset) - Vector512.Create(2f) * dot, Vector512<float>.Zero);
                var better = Vector512.GreaterThan(score, bestScores);
                bestScores = Vector512.ConditionalSelect(better, score, bestScores);
                bestColumns = Vector512.ConditionalSelect(better.AsInt32(), columns, bestColumns);
                columns += Vector512.Create(lanes);
            }
            Span<float> scores = stackalloc float[lanes];
            Span<int> columnsOfBest = stackalloc int[lanes];
            bestScores.CopyTo(scores);
            bestColumns.CopyTo(columnsOfBest);
            return FirstOfBest(scores, columnsOfBest);
        }
        else
        {
            var lanes = Vector<float>.Count;
            var bestScores = new Vector<float>(float.NegativeInfinity);
            var bestColumns = Vector<int>.Zero;
            var columns = Vector<int>.Indices;
            var q = new Vector<float>(rowNorm ?? 0);
            for (var c = 0; c + lanes <= dots.Length; c += lanes)
            {
                var dot = new Vector<float>(dots.Slice(c, lanes));
                var offset = new Vector<float>(offsets.Slice(c, lanes));
                var score = rowNorm is null ? dot + offset : -Vector.Max((q + offset) - new Vector<float>(2f) * dot, Vector<float>.Zero);
                var better = Vector.GreaterThan(score, bestScores);
                bestScores = Vector.ConditionalSelect(better, score, bestScores);
                bestColumns = Vector.ConditionalSelect(better, columns, bestColumns);
                columns += new Vector<int>(lanes);
            }
            Span<float> scores = stackalloc float[lanes];
            Span<int> columnsOfBest = stackalloc int[lanes];
            bestScores.CopyTo(scores);
            bestColumns.CopyTo(columnsOfBest);
            return FirstOfBest(scores, columnsOfBest);
        }
    }

    // Each lane holds the first of its best; across lanes the best score, and of equals the lowest column.
    private static (float Score, int Column) FirstOfBest(ReadOnlySpan<float> scores, ReadOnlySpan<int> columns)
    {
        var best = float.NegativeInfinity;
        var bestColumn = 0;
        for (var lane = 0; lane < scores.Length; lane++)
        {
            if (scores[lane] > best || (scores[lane] == best && columns[lane] < bestColumn))
            {
                best = scores[lane];
                bestColumn = columns[lane];
            }
        }
        return (best, bestColumn);
    }
}
