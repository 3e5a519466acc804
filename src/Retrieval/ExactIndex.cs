using System.Runtime.InteropServices;

namespace NirHost.Retrieval;

/// <summary>
/// Exact search: every query against every row. Rows are split into one contiguous range per thread; each thread walks
/// its range in blocks small enough to stay in a core's cache while every query of the batch passes over them, so a
/// batch of queries streams the rows from memory once. Each thread keeps its own k nearest per query, merged at the end.
/// L2 distances are computed as the sum of squared differences (no cancellation, unlike |q|^2 + |x|^2 - 2 q.x);
/// cosine rows and queries are normalised and compared by dot product.
/// </summary>
public sealed class ExactIndex : INeighbourIndex
{
    /// <summary>Rows per cache block: 256 rows of 128 floats are 128 KiB.</summary>
    private const int BlockBytes = 128 * 1024;

    private readonly float[] _vectors;
    private readonly int _threads;

    /// <param name="vectors">Row-major rows; the index keeps this array (normalising it in place for cosine).</param>
    /// <param name="threads">Threads per search (0: one per processor).</param>
    public ExactIndex(float[] vectors, int dimension, IndexMetric metric, int threads = 0)
        : this(vectors, dimension, metric, threads, normalise: true)
    {
    }

    private ExactIndex(float[] vectors, int dimension, IndexMetric metric, int threads, bool normalise)
    {
        if (dimension < 1 || vectors.Length % dimension != 0)
        {
            throw new ArgumentException($"{vectors.Length} values do not make rows of {dimension}.", nameof(vectors));
        }
        Dimension = dimension;
        Count = vectors.Length / dimension;
        Metric = metric;
        _vectors = vectors;
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        if (metric == IndexMetric.Cosine && normalise)
        {
            VectorMath.NormaliseRows(_vectors, dimension);
        }
    }

    /// <summary>An index over rows as <see cref="Vectors"/> gave them (already normalised for cosine).</summary>
    internal static ExactIndex Stored(float[] vectors, int dimension, IndexMetric metric, int threads) =>
        new(vectors, dimension, metric, threads, normalise: false);

    public int Count { get; }

    public int Dimension { get; }

    public IndexMetric Metric { get; }

    /// <summary>The rows as searched (normalised for cosine).</summary>
    public ReadOnlySpan<float> Vectors => _vectors;

    public Neighbour[][] Search(ReadOnlySpan<float> queries, int k)
    {
        if (queries.Length % Dimension != 0)
        {
            throw new ArgumentException($"Queries of {queries.Length} values are not rows of the index's dimension {Dimension}.", nameof(queries));
        }
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k is at least 1.");
        }
        var queryCount = queries.Length / Dimension;
        var prepared = queries.ToArray();
        if (Metric == IndexMetric.Cosine)
        {
            VectorMath.NormaliseRows(prepared, Dimension);
        }
        k = Math.Min(k, Count);
        if (k == 0)
        {
            return [.. Enumerable.Range(0, queryCount).Select(_ => Array.Empty<Neighbour>())];
        }
        var workers = Math.Max(1, Math.Min(_threads, Count / 1024 + 1));
        var lists = new NearestList[workers][];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            var first = (int)((long)Count * worker / workers);
            var last = (int)((long)Count * (worker + 1) / workers);
            lists[worker] = ScanRange(prepared, queryCount, k, first, last);
        });
        var result = new Neighbour[queryCount][];
        for (var q = 0; q < queryCount; q++)
        {
            var merged = lists[0][q];
            for (var worker = 1; worker < workers; worker++)
            {
                lists[worker][q].MergeInto(merged);
            }
            result[q] = merged.Sorted();
        }
        return result;
    }

    private NearestList[] ScanRange(float[] queries, int queryCount, int k, int first, int last)
    {
        var lists = new NearestList[queryCount];
        for (var q = 0; q < queryCount; q++)
        {
            lists[q] = new NearestList(k);
        }
        var d = Dimension;
        var blockRows = Math.Max(1, BlockBytes / (d * sizeof(float)));
        ref var rows = ref MemoryMarshal.GetArrayDataReference(_vectors);
        ref var queryBase = ref MemoryMarshal.GetArrayDataReference(queries);
        var cosine = Metric == IndexMetric.Cosine;
        for (var blockStart = first; blockStart < last; blockStart += blockRows)
        {
            var blockEnd = Math.Min(last, blockStart + blockRows);
            for (var q = 0; q < queryCount; q++)
            {
                ref var query = ref System.Runtime.CompilerServices.Unsafe.Add(ref queryBase, q * d);
                var list = lists[q];
                var worst = list.Worst;
                for (var row = blockStart; row < blockEnd; row++)
                {
                    ref var vector = ref System.Runtime.CompilerServices.Unsafe.Add(ref rows, (nint)row * d);
                    var distance = cosine ? 1f - VectorMath.Dot(ref query, ref vector, d) : VectorMath.SquaredDistance(ref query, ref vector, d);
                    if (distance <= worst)
                    {
                        list.Offer(distance, row);
                        worst = list.Worst;
                    }
                }
            }
        }
        if (!cosine)
        {
            // Squared distances rank as distances do; the root is taken once, for the kept ones only.
            foreach (var list in lists)
            {
                list.Transform(MathF.Sqrt);
            }
        }
        return lists;
    }

    public void Dispose()
    {
        // Managed memory only; nothing to release early.
    }
}
