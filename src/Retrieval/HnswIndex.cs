using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace NirHost.Retrieval;

/// <summary>
/// Approximate search in a hierarchical navigable small-world graph (USearch), for collections where scanning every row
/// per query is too slow. Rows are keyed by their position, so results name rows as <see cref="ExactIndex"/> does; L2
/// distances are reported as distances (USearch measures squared ones), cosine ones as 1 - cosine similarity.
/// </summary>
public sealed unsafe class HnswIndex : INeighbourIndex
{
    private IntPtr _index;

    /// <summary>Queries searched at once; USearch holds one search context for each, set up by <see cref="UseSearchThreads"/>.</summary>
    private int _searchThreads = 1;

    private HnswIndex(IntPtr index, int count, int dimension, IndexMetric metric)
    {
        _index = index;
        Count = count;
        Dimension = dimension;
        Metric = metric;
    }

    public int Count { get; }

    public int Dimension { get; }

    public IndexMetric Metric { get; }

    /// <summary>Candidates considered per query (USearch's <c>expansion_search</c>); may be changed between searches.</summary>
    public int ExpansionSearch
    {
        get
        {
            var value = UsearchNative.ExpansionSearch(Handle, out var error);
            UsearchNative.Check(error, "reading expansion_search");
            return (int)value;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            UsearchNative.ChangeExpansionSearch(Handle, (nuint)value, out var error);
            UsearchNative.Check(error, "setting expansion_search");
        }
    }

    private IntPtr Handle => _index != IntPtr.Zero ? _index : throw new ObjectDisposedException(nameof(HnswIndex));

    /// <summary>The build's stages, as <see cref="Build"/> reports them.</summary>
    public const string AddingStage = "Building the graph";

    /// <inheritdoc cref="AddingStage"/>
    public const string CheckingStage = "Checking that every entry is found";

    /// <summary>The expansion of the first, quick search for every entry after the build.</summary>
    private const int QuickExpansion = 16;

    /// <summary>Rounds of re-adding the entries a search does not find before the build gives up on them.</summary>
    private const int RelinkRounds = 3;

    /// <summary>
    /// Entries that a search for their own vector still did not find after the build re-added them (see <see cref="Build"/>);
    /// zero for a loaded index, whose build checked.
    /// </summary>
    public int Unreached { get; private set; }

    /// <summary>Entries the build re-added because a search for their own vector did not find them.</summary>
    public int Relinked { get; private set; }

    /// <summary>
    /// Adds every row (from <see cref="HnswOptions.Threads"/> threads at once), then searches each row's own vector and
    /// re-adds, one at a time, the rows that search does not find. Adds racing each other on tight clusters of
    /// near-duplicates can leave a row that no other row links to, which no query would ever return (measured: up to 11
    /// of 300 such rows after a two-thread build).
    /// </summary>
    /// <param name="vectors">Row-major rows (read, not kept: the graph holds its own copy).</param>
    /// <param name="progress">Called with the stage (<see cref="AddingStage"/>, <see cref="CheckingStage"/>), rows done and rows in all.</param>
    public static HnswIndex Build(ReadOnlySpan<float> vectors, int dimension, IndexMetric metric, HnswOptions options,
        Action<string, int, int>? progress = null)
    {
        if (dimension < 1 || vectors.Length % dimension != 0)
        {
            throw new ArgumentException($"{vectors.Length} values do not make rows of {dimension}.", nameof(vectors));
        }
        var count = vectors.Length / dimension;
        var index = Create(dimension, metric, options);
        var built = new HnswIndex(index, count, dimension, metric);
        try
        {
            var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            // Capacity first, then adds from several threads at once: USearch's add is thread-safe within reserved capacity
            // and hands each call one of `threads` search contexts.
            UsearchNative.ChangeThreadsAdd(index, (nuint)threads, out var error);
            UsearchNative.Check(error, "setting the build threads");
            UsearchNative.Reserve(index, (nuint)count, out error);
            UsearchNative.Check(error, $"reserving room for {count} vectors");
            var done = 0;
            fixed (float* rows = vectors)
            {
                var start = (IntPtr)rows;
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, row =>
                {
                    UsearchNative.Add(index, (ulong)row, (float*)start + (long)row * dimension, ScalarKind.Float32, out var addError);
                    UsearchNative.Check(addError, $"adding row {row}");
                    var finished = Interlocked.Increment(ref done);
                    if (progress is not null && (finished % 4096 == 0 || finished == count))
                    {
                        progress(AddingStage, finished, count);
                    }
                });
            }
            built.UseSearchThreads(threads);
            built.Relink(vectors, progress);
            return built;
        }
        catch
        {
            built.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Re-adds, one at a time and in row order, the rows a search for their own vector does not find, until all are found
    /// or <see cref="RelinkRounds"/> rounds have passed. Re-adding a row (remove, then add under the same key, which reuses
    /// its slot) links it anew from the finished graph.
    /// </summary>
    private void Relink(ReadOnlySpan<float> vectors, Action<string, int, int>? progress)
    {
        // A first pass at a small expansion finds nearly every entry at a fraction of the cost; only what it misses is
        // searched again at the index's own expansion, the one queries will use.
        var configured = ExpansionSearch;
        ExpansionSearch = Math.Min(configured, QuickExpansion);
        int[] missed;
        try
        {
            missed = NotFound(vectors, Enumerable.Range(0, Count).ToArray(), progress);
        }
        finally
        {
            ExpansionSearch = configured;
        }
        missed = NotFound(vectors, missed, progress: null);
        var relinked = new HashSet<int>();
        for (var round = 0; round < RelinkRounds && missed.Length > 0; round++)
        {
            fixed (float* rows = vectors)
            {
                foreach (var row in missed)
                {
                    UsearchNative.Remove(Handle, (ulong)row, out var error);
                    UsearchNative.Check(error, $"removing row {row} to add it again");
                    UsearchNative.Add(Handle, (ulong)row, rows + (long)row * Dimension, ScalarKind.Float32, out error);
                    UsearchNative.Check(error, $"adding row {row} again");
                    relinked.Add(row);
                }
            }
            missed = NotFound(vectors, missed, progress: null);
        }
        Relinked = relinked.Count;
        Unreached = missed.Length;
    }

    /// <summary>
    /// The <paramref name="rows"/> that a search for their own vector (four nearest) does not return. A row whose four
    /// nearest are all at distance zero counts as found: it has exact duplicates, any of which is as good an answer.
    /// </summary>
    private int[] NotFound(ReadOnlySpan<float> vectors, int[] rows, Action<string, int, int>? progress)
    {
        const int nearest = 4;
        const float duplicate = 1e-6f;
        var missed = new bool[rows.Length];
        var done = 0;
        var handle = Handle;
        var dimension = Dimension;
        fixed (float* all = vectors)
        {
            var start = (IntPtr)all;
            Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = _searchThreads }, i =>
            {
                var row = rows[i];
                ulong* keys = stackalloc ulong[nearest];
                float* distances = stackalloc float[nearest];
                var found = (int)UsearchNative.Search(handle, (float*)start + (long)row * dimension, ScalarKind.Float32, nearest, keys, distances, out var error);
                UsearchNative.Check(error, $"searching for row {row}");
                var itself = false;
                for (var j = 0; j < found; j++)
                {
                    itself |= keys[j] == (ulong)row;
                }
                missed[i] = !itself && !(found == nearest && distances[nearest - 1] <= duplicate);
                var finished = Interlocked.Increment(ref done);
                if (progress is not null && (finished % 4096 == 0 || finished == rows.Length))
                {
                    progress(CheckingStage, finished, rows.Length);
                }
            });
        }
        return [.. rows.Where((_, i) => missed[i])];
    }

    /// <summary>An index from <paramref name="length"/> bytes of <paramref name="stream"/> as <see cref="WriteTo"/> wrote them.</summary>
    public static HnswIndex Load(Stream stream, long length, int count, int dimension, IndexMetric metric, int expansionSearch)
    {
        var index = Create(dimension, metric, new HnswOptions { ExpansionSearch = expansionSearch });
        var loaded = new HnswIndex(index, count, dimension, metric);
        var buffer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
        try
        {
            for (long offset = 0; offset < length; offset += int.MaxValue / 2)
            {
                stream.ReadExactly(new Span<byte>(buffer + offset, (int)Math.Min(int.MaxValue / 2, length - offset)));
            }
            // load, not view: the graph gets its own copy and the buffer goes at once.
            UsearchNative.LoadBuffer(index, buffer, (nuint)length, out var error);
            UsearchNative.Check(error, "loading the graph");
            var size = (long)UsearchNative.Size(index, out var sizeError);
            UsearchNative.Check(sizeError, "reading the size");
            var dimensions = (long)UsearchNative.Dimensions(index, out var dimensionError);
            UsearchNative.Check(dimensionError, "reading the dimension");
            if (size != count || dimensions != dimension)
            {
                throw new InvalidDataException($"the graph holds {size} vectors of {dimensions} dimensions, the index lists {count} of {dimension}");
            }
            // Loading restores the build's expansion; the caller's choice applies to this session.
            loaded.ExpansionSearch = expansionSearch;
            loaded.UseSearchThreads(Environment.ProcessorCount);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>
    /// Sets up one search context per thread: USearch refuses a search from more threads than it has contexts for, and a
    /// loaded graph has none reserved.
    /// </summary>
    private void UseSearchThreads(int threads)
    {
        UsearchNative.Reserve(Handle, (nuint)Count, out var error);
        UsearchNative.Check(error, "reserving search contexts");
        UsearchNative.ChangeThreadsSearch(Handle, (nuint)threads, out error);
        UsearchNative.Check(error, "setting the search threads");
        _searchThreads = threads;
    }

    /// <summary>The graph's serialised length in bytes.</summary>
    public long SerializedLength
    {
        get
        {
            var length = UsearchNative.SerializedLength(Handle, out var error);
            UsearchNative.Check(error, "measuring the graph");
            return (long)length;
        }
    }

    /// <summary>Receives serialised bytes in order.</summary>
    public delegate void ByteSink(ReadOnlySpan<byte> bytes);

    /// <summary>Hands the graph (with its vectors), <see cref="SerializedLength"/> bytes, to <paramref name="sink"/> in pieces.</summary>
    public void WriteTo(ByteSink sink)
    {
        var length = SerializedLength;
        var buffer = (byte*)NativeMemory.Alloc((nuint)length);
        try
        {
            UsearchNative.SaveBuffer(Handle, buffer, (nuint)length, out var error);
            UsearchNative.Check(error, "serialising the graph");
            for (long offset = 0; offset < length; offset += int.MaxValue / 2)
            {
                sink(new ReadOnlySpan<byte>(buffer + offset, (int)Math.Min(int.MaxValue / 2, length - offset)));
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    public Neighbour[][] Search(ReadOnlySpan<float> queries, int k)
    {
        if (queries.Length % Dimension != 0)
        {
            throw new ArgumentException($"Queries of {queries.Length} values are not rows of the index's dimension {Dimension}.", nameof(queries));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var queryCount = queries.Length / Dimension;
        var results = new Neighbour[queryCount][];
        var handle = Handle;
        var dimension = Dimension;
        var squared = Metric == IndexMetric.L2;
        fixed (float* all = queries)
        {
            var start = (IntPtr)all;
            Parallel.For(0, queryCount, new ParallelOptions { MaxDegreeOfParallelism = _searchThreads }, q =>
            {
                var keys = new ulong[k];
                var distances = new float[k];
                nuint found;
                fixed (ulong* keyBuffer = keys)
                fixed (float* distanceBuffer = distances)
                {
                    found = UsearchNative.Search(handle, (float*)start + (long)q * dimension, ScalarKind.Float32, (nuint)k, keyBuffer, distanceBuffer, out var error);
                    UsearchNative.Check(error, "searching");
                }
                var hits = new Neighbour[(int)found];
                for (var i = 0; i < hits.Length; i++)
                {
                    hits[i] = new Neighbour((int)keys[i], squared ? MathF.Sqrt(Math.Max(0f, distances[i])) : distances[i]);
                }
                results[q] = hits;
            });
        }
        return results;
    }

    private static IntPtr Create(int dimension, IndexMetric metric, HnswOptions options)
    {
        var settings = new IndexOptions
        {
            metric_kind = metric == IndexMetric.L2 ? MetricKind.L2sq : MetricKind.Cos,
            metric = IntPtr.Zero,
            quantization = ScalarKind.Float32,
            dimensions = (ulong)dimension,
            connectivity = (ulong)options.Connectivity,
            expansion_add = (ulong)options.ExpansionAdd,
            expansion_search = (ulong)options.ExpansionSearch,
            multi = false,
        };
        var index = UsearchNative.Init(ref settings, out var error);
        UsearchNative.Check(error, "creating the index");
        return index;
    }

    public void Dispose()
    {
        if (_index != IntPtr.Zero)
        {
            UsearchNative.Free(_index, out _);
            _index = IntPtr.Zero;
        }
    }
}
