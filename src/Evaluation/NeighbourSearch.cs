using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// Exact nearest-neighbour search of a split against itself, with the original's semantics: every sample is searched
/// for its k + 1 nearest, and the first of them (normally the sample itself) is dropped. Scores are rounded as faiss
/// rounds them (<see cref="FaissArithmetic"/>), so rankings, ties included, are the original's; ties go to the lower
/// index for distances and to the higher index for inner products, as in faiss's result heaps.
/// <para>
/// Scores are computed in square tiles of the upper triangle only: a dot product is bitwise symmetric, so each tile
/// serves its rows and, transposed, its columns, which halves the arithmetic. A pilot pass over evenly spaced sample
/// columns gives each row a threshold that at least k + 1 of its scores reach (four standard deviations of sampling
/// error to spare), and a tile keeps only the scores at or above the thresholds of their row and of their column,
/// sifting each group of rows while its scores are still in the core's cache. A tile row's rows are finished once the
/// tiles of it and of the tile rows before are done: the nearest are picked from the kept scores (every sample ranked
/// above a kept one was kept too), and own-class ranks counted against the sorted own-class candidates; in the rare row
/// whose threshold kept too few, from all its scores, recomputed.
/// </para>
/// Memory: the embeddings (and their normalised copy for cosine), one packed copy of them, per thread a group of rows'
/// scores and the column hits of one tile, and the kept scores of unfinished rows as 8-byte keys (k + 1 plus the
/// sampling margin per row, about 1,740 for k = 1000 among 20,000, at most about a quarter of all rows' worth at once,
/// in chunks that finished rows hand back); never N x N.
/// </summary>
public static class NeighbourSearch
{
    /// <summary>Largest tile side.</summary>
    public const int MaxBlock = 2048;

    /// <summary>Packed columns of one tile, in floats: 512 KiB, so they stay in a core's L2 cache while rows stream past.</summary>
    private const int PackedColumnsBudget = 128 * 1024;

    // The compress path works on 512-bit vectors: where they are emulated (a preferred width below 512 bits), its
    // vector bookkeeping would cost more than it saves.
    private static bool CompressAvailable => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>The result: indices of each row's nearest neighbours and the ranks of its own class.</summary>
    public sealed record Result(int[,]? Nearest, SameClassRanks? Ranks);

    /// <param name="embeddings">[N, D] float32 on the CPU.</param>
    /// <param name="labels">Class of each row.</param>
    /// <param name="nearest">How many nearest neighbour indices to return per row (0: none).</param>
    /// <param name="depth">Ranks of the own class up to this depth (0: none).</param>
    /// <param name="cosine">Inner products of rows normalised as scikit-learn does (faiss's IndexFlatIP) instead of Euclidean distance.</param>
    public static Result Search(Tensor embeddings, IReadOnlyList<int> labels, int nearest, int depth, bool cosine) =>
        Search(embeddings, labels, nearest, depth, cosine, CompressAvailable);

    /// <param name="compress">Gather kept scores with AVX-512 compress instructions (false: one by one, as machines without them do).</param>
    internal static Result Search(Tensor embeddings, IReadOnlyList<int> labels, int nearest, int depth, bool cosine, bool compress)
    {
        var n = (int)embeddings.shape[0];
        if (nearest > n - 1 || depth > n - 1 || nearest < 0 || depth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nearest), $"{Math.Max(nearest, depth)} neighbours requested but the split has {n} samples.");
        }
        if (Math.Max(nearest, depth) == 0)
        {
            return new Result(null, null);
        }
        var d = (int)embeddings.shape[1];
        var raw = KernelInput.Floats(embeddings);
        var keys = cosine ? FaissArithmetic.NormaliseRows(raw, n, d) : raw;
        var norms = cosine ? null : FaissArithmetic.SquaredNorms(keys, n, d);
        var workers = KernelInput.Threads;
        return new Pass(keys, norms, n, d, labels.ToArray(), nearest, depth, workers, compress && CompressAvailable).Run();
    }

    private sealed class Pass
    {
        private readonly float[] _keys;
        private readonly float[]? _norms;
        private readonly int _n;
        private readonly int _d;
        private readonly int[] _labels;
        private readonly int _nearest;
        private readonly int _depth;
        private readonly int _needed;
        private readonly int _block;
        private readonly float[] _packed;
        private readonly float[] _thresholds;
        private readonly ChunkPool _chunks = new();
        private readonly ConcurrentStack<Hits> _spareHits = new();
        // Per tile row i, what its tiles (i, i..) kept for its rows; per tile column j, what the tiles (..j, j) kept for its columns.
        private readonly Hits[][] _rowHits;
        private readonly Hits[][] _columnHits;
        private readonly int[,]? _nearestIndices;
        private readonly int[][]? _rankLists;
        private readonly ParallelOptions _parallel;
        private readonly bool _tiesToHigherIndex;
        private readonly bool _compress;

        public Pass(float[] keys, float[]? norms, int n, int d, int[] labels, int nearest, int depth, int workers, bool compress)
        {
            _compress = compress;
            // faiss's result heaps order equal distances by ascending index (IndexFlatL2) but equal inner
            // products by descending index (IndexFlatIP); measured on this machine's faiss 1.7.3.
            _tiesToHigherIndex = norms is null;

            _keys = keys;
            _norms = norms;
            _n = n;
            _d = d;
            _labels = labels;
            _nearest = nearest;
            _depth = depth;
            // The original searches k + 1 neighbours and drops the first.
            _needed = Math.Min(n, Math.Max(nearest, depth) + 1);
            var block = Math.Clamp(PackedColumnsBudget / Math.Max(d, 1) / FaissArithmetic.PanelWidth * FaissArithmetic.PanelWidth,
                FaissArithmetic.PanelWidth, MaxBlock);
            _block = Math.Min(block, RoundUp(n, FaissArithmetic.PanelWidth));
            _packed = FaissArithmetic.Pack(keys, d, 0, n);
            _thresholds = new float[RoundUp(n, 16)];
            var blocks = (n + _block - 1) / _block;
            _rowHits = Enumerable.Range(0, blocks).Select(i => new Hits[blocks - i]).ToArray();
            _columnHits = Enumerable.Range(0, blocks).Select(j => new Hits[j + 1]).ToArray();
            _nearestIndices = nearest > 0 ? new int[n, nearest] : null;
            _rankLists = depth > 0 ? new int[n][] : null;
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = workers };
        }

        public Result Run()
        {
            ComputeThresholds();
            // The tiles in tile-row order, each tile row followed by the finishing of the previous tile row's rows, all of
            // whose scores are in once the tiles of its own and earlier tile rows are done. Threads take the work in this
            // order, so a finishing part rarely waits, and no thread waits at the end of a tile row for the others.
            var blocks = (_n + _block - 1) / _block;
            var work = new List<Work>();
            var tilesLeft = new int[blocks];
            var partsLeft = new int[blocks];
            for (var stage = 0; stage <= blocks; stage++)
            {
                if (stage < blocks)
                {
                    tilesLeft[stage] = blocks - stage;
                    work.AddRange(Enumerable.Range(stage, blocks - stage).Select(column => new Work(stage, column, 0, 0)));
                }
                if (stage > 0)
                {
                    var rows = Math.Min(_block, _n - (stage - 1) * _block);
                    var chunk = Math.Max(1, rows / (_parallel.MaxDegreeOfParallelism * 8));
                    for (var first = 0; first < rows; first += chunk)
                    {
                        work.Add(new Work(stage - 1, -1, first, Math.Min(rows, first + chunk)));
                        partsLeft[stage - 1]++;
                    }
                }
            }
            var next = -1;
            // Set when a thread fails, so that none waits for a tile that will never be done.
            var failed = false;
            Parallel.For(0, _parallel.MaxDegreeOfParallelism, _parallel, _ =>
            {
                try
                {
                    var worker = new Worker(_block, _d, _n);
                    for (int i; !Volatile.Read(ref failed) && (i = Interlocked.Increment(ref next)) < work.Count;)
                    {
                        var item = work[i];
                        if (item.IsTile)
                        {
                            Tile(item.Block, item.Column, worker);
                            Interlocked.Decrement(ref tilesLeft[item.Block]);
                        }
                        else if (WaitForTiles(tilesLeft, item.Block, ref failed))
                        {
                            for (var r = item.FirstRow; r < item.EndRow; r++)
                            {
                                Finish(item.Block, r, worker.Rows);
                            }
                            if (Interlocked.Decrement(ref partsLeft[item.Block]) == 0)
                            {
                                Release(_rowHits[item.Block]);
                                Release(_columnHits[item.Block]);
                            }
                        }
                    }
                }
                catch
                {
                    Volatile.Write(ref failed, true);
                    throw;
                }
            });
            return new Result(_nearestIndices, _rankLists is null ? null : NeighbourTables.Flatten(_rankLists, _depth));
        }

        /// <returns>False if another thread failed meanwhile.</returns>
        private static bool WaitForTiles(int[] tilesLeft, int lastTileRow, ref bool failed)
        {
            for (var tileRow = 0; tileRow <= lastTileRow; tileRow++)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref tilesLeft[tileRow]) != 0)
                {
                    if (Volatile.Read(ref failed))
                    {
                        return false;
                    }
                    spin.SpinOnce();
                }
            }
            return true;
        }

        /// <summary>A tile (<paramref name="Block"/>, <paramref name="Column"/>), or rows of tile row <paramref name="Block"/> to finish.</summary>
        private readonly record struct Work(int Block, int Column, int FirstRow, int EndRow)
        {
            public bool IsTile => Column >= 0;
        }

        private Hits RentHits() => _spareHits.TryPop(out var hits) ? hits : new Hits(_block);

        private void Release(Hits[] hits)
        {
            foreach (var tile in hits)
            {
                tile.Release(_chunks);
                _spareHits.Push(tile);
            }
            Array.Clear(hits);
        }

        /// <summary>
        /// Per row, the f-th largest of its scores against m evenly spaced columns, f chosen so that at least k + 1
        /// scores of the whole row reach it unless the sample errs by more than four standard deviations.
        /// </summary>
        private void ComputeThresholds()
        {
            var m = Math.Min(_n, Math.Max(1024, _n / 32));
            var expected = (double)_needed * m / _n;
            var f = (int)Math.Ceiling(Math.Pow(2 + Math.Sqrt(4 + expected), 2));
            Array.Fill(_thresholds, float.PositiveInfinity);
            if (f >= m)
            {
                Array.Fill(_thresholds, float.NegativeInfinity, 0, _n);
                return;
            }
            var columns = Enumerable.Range(0, m).Select(i => (int)((long)i * _n / m)).ToArray();
            var sampleKeys = new float[m * _d];
            for (var i = 0; i < m; i++)
            {
                _keys.AsSpan(columns[i] * _d, _d).CopyTo(sampleKeys.AsSpan(i * _d));
            }
            var packed = FaissArithmetic.Pack(sampleKeys, _d, 0, m);
            var panels = (m + FaissArithmetic.PanelWidth - 1) / FaissArithmetic.PanelWidth;
            var width = panels * FaissArithmetic.PanelWidth;
            var sampleNorms = _norms is null ? null : columns.Select(c => _norms[c]).Concat(new float[width - m]).ToArray();
            var groups = (_n + FaissArithmetic.RowGroup - 1) / FaissArithmetic.RowGroup;
            Parallel.For(0, groups, _parallel,
                () => (Scores: new float[FaissArithmetic.RowGroup * width], Rows: new float[FaissArithmetic.RowGroup * _d], Select: new SelectBuffers(m)),
                (group, _, buffers) =>
                {
                    var first = group * FaissArithmetic.RowGroup;
                    var rows = Math.Min(FaissArithmetic.RowGroup, _n - first);
                    FaissArithmetic.DotRows(_keys, first, rows, _d, packed, 0, panels, buffers.Scores, 0, width, buffers.Rows);
                    for (var r = 0; r < rows; r++)
                    {
                        var row = buffers.Scores.AsSpan(r * width, m);
                        ToScores(row, _norms?[first + r] ?? 0, sampleNorms);
                        _thresholds[first + r] = KthLargest(row, f, buffers.Select);
                    }
                    return buffers;
                }, _ => { });
        }

        /// <summary>
        /// The <paramref name="k"/>-th largest value (1-based): a histogram over the values' range finds the bucket
        /// that holds it, and only that bucket's few values are sorted. Buckets are computed sixteen at a time (a
        /// quickselect mispredicts its way through every comparison, scalar conversions cost a chain each; both took
        /// about 12 µs a row of a thousand).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float KthLargest(ReadOnlySpan<float> values, int k, SelectBuffers buffers)
        {
            var (lowest, highest) = VectorWidths.MinMax(values);
            var range = highest - lowest;
            if (!float.IsFinite(range))
            {
                // Scores beyond float's range (absurd embeddings): a plain sort.
                var copy = values.ToArray();
                Array.Sort(copy);
                return copy[^k];
            }
            var histogram = buffers.Histogram;
            var last = histogram.Length - 1;
            // Float rounding and truncation are monotonic, so a larger value never lands in a lower bucket.
            var scale = range > 0 ? last / range : 0f;
            var indices = buffers.Indices.AsSpan(0, values.Length);
            VectorWidths.Buckets(values, lowest, scale, last, indices);
            Array.Clear(histogram);
            foreach (var index in indices)
            {
                histogram[index]++;
            }
            var above = 0;
            var target = last;
            while (above + histogram[target] < k)
            {
                above += histogram[target--];
            }
            var members = buffers.Bucket.AsSpan(0, histogram[target]);
            var count = 0;
            for (var i = 0; i < indices.Length; i++)
            {
                if (indices[i] == target)
                {
                    members[count++] = values[i];
                }
            }
            members.Sort();
            return members[count - (k - above)];
        }

        private sealed class SelectBuffers(int length)
        {
            public readonly int[] Histogram = new int[256];
            public readonly int[] Indices = new int[length];
            public readonly float[] Bucket = new float[length];
        }

        /// <summary>
        /// Turns dot products into scores in place: for Euclidean search minus faiss's squared distance,
        /// -max(0, (|q|^2 + |k|^2) - 2&lt;q,k&gt;); cosine scores are the dot products themselves.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ToScores(Span<float> row, float rowNorm, ReadOnlySpan<float> columnNorms)
        {
            if (columnNorms.IsEmpty)
            {
                return;
            }
            var i = VectorWidths.NegatedSquaredDistances(row, rowNorm, columnNorms);
            for (; i < row.Length; i++)
            {
                var distance = (rowNorm + columnNorms[i]) - 2f * row[i];
                row[i] = distance < 0 ? -0f : -distance;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile(int rowBlock, int columnBlock, Worker worker)
        {
            var rowStart = rowBlock * _block;
            var rows = Math.Min(_block, _n - rowStart);
            var columnStart = columnBlock * _block;
            var columns = Math.Min(_block, _n - columnStart);
            var panels = (columns + FaissArithmetic.PanelWidth - 1) / FaissArithmetic.PanelWidth;
            var scores = worker.Scores;
            var diagonal = rowBlock == columnBlock;
            var columnNorms = _norms is null ? ReadOnlySpan<float>.Empty : _norms.AsSpan(columnStart, columns);
            var rowHits = RentHits();
            worker.ClearColumnHits();
            for (var group = 0; group < rows; group += FaissArithmetic.RowGroup)
            {
                // Each group of rows is sifted right after its products, while they are still in the core's cache.
                var groupRows = Math.Min(FaissArithmetic.RowGroup, rows - group);
                // On the diagonal only the upper triangle is needed: panels wholly left of the group are skipped.
                var skipped = diagonal ? group / FaissArithmetic.PanelWidth : 0;
                FaissArithmetic.DotRows(_keys, rowStart + group, groupRows, _d, _packed, columnStart / FaissArithmetic.PanelWidth + skipped,
                    panels - skipped, scores, skipped * FaissArithmetic.PanelWidth, _block, worker.Padding);
                for (var g = 0; g < groupRows; g++)
                {
                    // A diagonal row starts at its own column (itself included); the columns before it come from the transposed pass.
                    var r = group + g;
                    var from = diagonal ? r : 0;
                    var row = scores.AsSpan(g * _block + from, columns - from);
                    ToScores(row, _norms?[rowStart + r] ?? 0, columnNorms[Math.Min(from, columnNorms.Length)..]);
                    rowHits.Starts[r] = rowHits.Count;
                    KeepAtLeast(row, _thresholds[rowStart + r], columnStart + from, rowHits);
                }
                KeepByColumn(scores, group, groupRows, rowStart, columns, columnStart, diagonal, worker);
            }
            rowHits.Starts[rows] = rowHits.Count;
            _rowHits[rowBlock][columnBlock - rowBlock] = rowHits;
            _columnHits[columnBlock][rowBlock] = worker.GroupColumnHits(columns, RentHits(), _chunks);
        }

        /// <summary>The keys of the scores in <paramref name="row"/> at or above <paramref name="threshold"/>, appended to <paramref name="hits"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void KeepAtLeast(ReadOnlySpan<float> row, float threshold, int indexOffset, Hits hits)
        {
            var i0 = 0;
            if (_compress)
            {
                var t = Vector512.Create(threshold);
                var limit = Vector512.Create(KeyLimit(threshold));
                var vectors = MemoryMarshal.Cast<float, Vector512<float>>(row);
                for (var v = 0; v < vectors.Length; v++)
                {
                    if (!Vector512.GreaterThanOrEqualAny(vectors[v], t))
                    {
                        continue;
                    }
                    var (lower, upper) = Keys(vectors[v], Indices(indexOffset + v * 16), Indices(indexOffset + v * 16 + 8));
                    hits.Append(lower, Vector512.LessThanOrEqual(lower, limit), _chunks);
                    hits.Append(upper, Vector512.LessThanOrEqual(upper, limit), _chunks);
                }
                i0 = vectors.Length * 16;
            }
            for (var i = i0; i < row.Length; i++)
            {
                if (row[i] >= threshold)
                {
                    hits.Add(Key(row[i], indexOffset + i), _chunks);
                }
            }
        }

        /// <summary>
        /// A group's scores transposed: kept for the columns' own rows, noted in the worker's column hits. On the
        /// diagonal, only the scores above it (row before column).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void KeepByColumn(float[] scores, int group, int groupRows, int rowStart, int columns, int columnStart, bool diagonal, Worker worker)
        {
            ref var first = ref MemoryMarshal.GetArrayDataReference(scores);
            ref var thresholdsRef = ref MemoryMarshal.GetArrayDataReference(_thresholds);
            for (var c0 = diagonal ? group / 16 * 16 : 0; c0 < columns; c0 += 16)
            {
                if (_compress)
                {
                    KeepStripCompressed(ref first, c0, group, groupRows, rowStart, columns, columnStart, diagonal, worker);
                    continue;
                }
                var inTile = columns - c0 >= 16 ? 0xFFFFu : (1u << (columns - c0)) - 1;
                ref var thresholds = ref Unsafe.Add(ref thresholdsRef, columnStart + c0);
                for (var g = 0; g < groupRows; g++)
                {
                    var r = group + g;
                    var offset = g * _block + c0;
                    var mask = VectorWidths.AtLeastMask16(ref Unsafe.Add(ref first, offset), ref thresholds) & inTile;
                    if (diagonal)
                    {
                        // Only columns after the row's own.
                        var own = r - c0;
                        mask &= own < 0 ? 0xFFFFu : own >= 15 ? 0u : 0xFFFFu << (own + 1);
                    }
                    while (mask != 0)
                    {
                        var bit = BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        worker.AddColumnHit(c0 + bit, Key(scores[offset + bit], rowStart + r));
                    }
                }
            }
        }

        /// <summary><see cref="KeepByColumn"/> for one strip of sixteen columns, gathered with AVX-512 compress instructions.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void KeepStripCompressed(ref float first, int c0, int group, int groupRows, int rowStart, int columns, int columnStart, bool diagonal,
            Worker worker)
        {
            var thresholds = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(_thresholds), (nuint)(columnStart + c0));
            var strip = Vector512<int>.Indices + Vector512.Create(c0);
            var inTile = Vector512.LessThan(strip, Vector512.Create(columns));
            for (var g = 0; g < groupRows; g++)
            {
                var r = group + g;
                var values = Vector512.LoadUnsafe(ref first, (nuint)(g * _block + c0));
                var kept = Vector512.GreaterThanOrEqual(values, thresholds).AsInt32() & inTile;
                if (diagonal)
                {
                    kept &= Vector512.GreaterThan(strip, Vector512.Create(r));
                }
                if (kept == Vector512<int>.Zero)
                {
                    continue;
                }
                var index = Vector512.Create((ulong)IndexKey(rowStart + r));
                var (lower, upper) = Keys(values, index, index);
                worker.AppendColumnHits(lower, upper, kept, strip);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Finish(int rowBlock, int r, RowBuffers buffer)
        {
            var query = rowBlock * _block + r;
            var count = 0;
            foreach (var hits in _rowHits[rowBlock])
            {
                count += hits.CopyTo(r, buffer.Keys, count);
            }
            foreach (var hits in _columnHits[rowBlock])
            {
                count += hits.CopyTo(r, buffer.Keys, count);
            }
            if (count < _needed)
            {
                count = WholeRow(query, buffer);
            }
            Select(query, buffer.Keys.AsSpan(0, count), buffer);
        }

        /// <summary>The rare row whose sampled threshold kept too few: all its scores, computed the same way.</summary>
        private int WholeRow(int query, RowBuffers buffer)
        {
            var panels = (_n + FaissArithmetic.PanelWidth - 1) / FaissArithmetic.PanelWidth;
            var width = panels * FaissArithmetic.PanelWidth;
            buffer.Whole ??= new float[FaissArithmetic.RowGroup * width];
            buffer.Padding ??= new float[FaissArithmetic.RowGroup * _d];
            FaissArithmetic.DotRows(_keys, query, 1, _d, _packed, 0, panels, buffer.Whole, 0, width, buffer.Padding);
            var row = buffer.Whole.AsSpan(0, _n);
            ToScores(row, _norms?[query] ?? 0, _norms);
            for (var i = 0; i < _n; i++)
            {
                buffer.Keys[i] = Key(row[i], i);
            }
            return _n;
        }

        /// <summary>
        /// Nearest neighbours and own-class ranks among the row's candidates in faiss's order, the first dropped as the
        /// original drops the first search result. A member's rank is its position in that order: the number of
        /// candidates before it, the dropped one included. Only the members are sorted; every other candidate is
        /// counted against them, and those behind the last member not at all.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Select(int query, ReadOnlySpan<ulong> keys, RowBuffers buffer)
        {
            var top = Top(keys, Math.Min(_nearest + 1, keys.Length), buffer);
            if (_nearestIndices is not null)
            {
                for (var j = 0; j < _nearest; j++)
                {
                    _nearestIndices[query, j] = IndexOf(top[j + 1]);
                }
            }
            if (_rankLists is null)
            {
                return;
            }
            var dropped = top[0];
            var own = _labels[query];
            var members = buffer.Members;
            var m = 0;
            foreach (var key in keys)
            {
                if (_labels[IndexOf(key)] == own && key != dropped)
                {
                    members[m++] = key;
                }
            }
            var sorted = members.AsSpan(0, m);
            Sort(sorted);
            // better[j]: candidates before member j but not before member j - 1. Member j has the dropped first result
            // and j members before it; the other candidates before the last member are counted one by one.
            var better = buffer.Better(m);
            if (m > 0)
            {
                better[..m].Fill(1);
                var worst = sorted[m - 1];
                foreach (var key in keys)
                {
                    if (key < worst && key != dropped && _labels[IndexOf(key)] != own)
                    {
                        better[FirstAfter(sorted, key)]++;
                    }
                }
            }
            var ranks = 0;
            for (var j = 0; j < m; j++)
            {
                ranks += better[j];
                if (ranks > _depth)
                {
                    m = j;
                    break;
                }
                better[j] = ranks;
            }
            _rankLists[query] = better[..m].ToArray();
        }

        /// <summary>The first of the ascending <paramref name="sorted"/> keys greater than <paramref name="key"/>, by a branch-free binary search.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int FirstAfter(ReadOnlySpan<ulong> sorted, ulong key)
        {
            var position = 0;
            for (var length = sorted.Length; length > 1;)
            {
                var half = length >> 1;
                position = sorted[position + half - 1] <= key ? position + half : position;
                length -= half;
            }
            return sorted[position] <= key ? position + 1 : position;
        }

        /// <summary>The <paramref name="count"/> best keys, best first: an insertion into a short sorted list that most keys miss.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ReadOnlySpan<ulong> Top(ReadOnlySpan<ulong> keys, int count, RowBuffers buffer)
        {
            if (count > 64)
            {
                var all = buffer.Sorted.AsSpan(0, keys.Length);
                keys.CopyTo(all);
                Sort(all);
                return all[..count];
            }
            var best = buffer.Sorted.AsSpan(0, count);
            var filled = 0;
            foreach (var key in keys)
            {
                if (filled == count && key >= best[filled - 1])
                {
                    continue;
                }
                var position = filled == count ? count - 1 : filled++;
                while (position > 0 && key < best[position - 1])
                {
                    best[position] = best[position - 1];
                    position--;
                }
                best[position] = key;
            }
            return best;
        }

        private static void Sort(Span<ulong> keys)
        {
            if (keys.Length <= 32)
            {
                InsertionSort(keys);
            }
            else
            {
                keys.Sort();
            }
        }

        private static void InsertionSort(Span<ulong> keys)
        {
            for (var i = 1; i < keys.Length; i++)
            {
                var key = keys[i];
                var j = i - 1;
                while (j >= 0 && keys[j] > key)
                {
                    keys[j + 1] = keys[j];
                    j--;
                }
                keys[j + 1] = key;
            }
        }

        /// <summary>
        /// A key whose ascending order is faiss's order of results: larger score first (the two zeros equal), then
        /// the index faiss puts first among equals.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ulong Key(float score, int index)
        {
            var bits = BitConverter.SingleToUInt32Bits(score + 0f);
            var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
            return ((ulong)~ascending << 32) | (uint)IndexKey(index);
        }

        /// <summary>The low half of a key: the index, or its complement where ties go to the higher index.</summary>
        private int IndexKey(int index) => _tiesToHigherIndex ? int.MaxValue - index : index;

        /// <summary>The largest key of a score at or above <paramref name="threshold"/>.</summary>
        private ulong KeyLimit(float threshold) => Key(threshold, 0) | uint.MaxValue;

        /// <summary>The key halves of indices first..first+7 as <see cref="Key"/> makes them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<ulong> Indices(int first)
        {
            var indices = Vector512.Create((ulong)first) + Vector512<ulong>.Indices;
            return _tiesToHigherIndex ? Vector512.Create((ulong)int.MaxValue) - indices : indices;
        }

        /// <summary>
        /// <see cref="Key"/> of sixteen scores at once, in two halves of eight, with the key halves of their indices.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector512<ulong> Lower, Vector512<ulong> Upper) Keys(Vector512<float> scores, Vector512<ulong> lowerIndices, Vector512<ulong> upperIndices)
        {
            // The two zeros are one score.
            var bits = Vector512.ConditionalSelect(Vector512.Equals(scores, Vector512<float>.Zero), Vector512<uint>.Zero.AsSingle(), scores).AsUInt32();
            var negative = Vector512.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32();
            var high = ~(bits ^ (negative | Vector512.Create(0x8000_0000u)));
            var (lower, upper) = Vector512.Widen(high);
            return (Vector512.ShiftLeft(lower, 32) | lowerIndices, Vector512.ShiftLeft(upper, 32) | upperIndices);
        }

        private int IndexOf(ulong key)
        {
            var low = (int)(uint)key;
            return _tiesToHigherIndex ? int.MaxValue - low : low;
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>A chunk of key storage: <see cref="ChunkPool.Size"/> keys of a slab from <paramref name="Offset"/>.</summary>
    private readonly record struct Chunk(ulong[] Slab, int Offset);

    /// <summary>
    /// Fixed-size chunks of key storage shared by a pass, carved from slabs on the large object heap (which the
    /// collector neither copies nor zeroes here); finished rows hand their chunks back to later tiles.
    /// </summary>
    private sealed class ChunkPool
    {
        public const int Shift = 9;
        public const int Size = 1 << Shift;
        private const int ChunksPerSlab = 256;
        private readonly Stack<Chunk> _free = new();
        private ulong[]? _slab;
        private int _carved = ChunksPerSlab;

        public Chunk Rent()
        {
            lock (_free)
            {
                if (_free.TryPop(out var chunk))
                {
                    return chunk;
                }
                if (_carved == ChunksPerSlab)
                {
                    _slab = GC.AllocateUninitializedArray<ulong>(ChunksPerSlab * Size);
                    _carved = 0;
                }
                return new Chunk(_slab!, _carved++ * Size);
            }
        }

        public void Return(List<Chunk> chunks)
        {
            lock (_free)
            {
                foreach (var chunk in chunks)
                {
                    _free.Push(chunk);
                }
            }
            chunks.Clear();
        }
    }

    /// <summary>
    /// The keys one tile kept for the rows of one block (or, transposed, for its columns), grouped by row: row r's
    /// are at positions <c>Starts[r]</c> up to <c>Starts[r + 1]</c> of a chain of pooled chunks.
    /// </summary>
    private sealed class Hits(int block)
    {
        public readonly int[] Starts = new int[block + 1];
        public int Count;
        private readonly List<Chunk> _chunks = [];
        private Chunk _current;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ulong key, ChunkPool pool)
        {
            var slot = Count & (ChunkPool.Size - 1);
            if (slot == 0)
            {
                _chunks.Add(_current = pool.Rent());
            }
            _current.Slab[_current.Offset + slot] = key;
            Count++;
        }

        /// <summary>The <paramref name="keys"/> whose <paramref name="mask"/> lane is set, in lane order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Append(Vector512<ulong> keys, Vector512<ulong> mask, ChunkPool pool)
        {
            var bits = mask.ExtractMostSignificantBits();
            if (bits == 0)
            {
                return;
            }
            var compressed = Avx512F.Compress(Vector512<ulong>.Zero, mask, keys);
            var slot = Count & (ChunkPool.Size - 1);
            if (slot != 0 && slot <= ChunkPool.Size - Vector512<ulong>.Count)
            {
                compressed.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_current.Slab), (nuint)(_current.Offset + slot));
                Count += BitOperations.PopCount(bits);
                return;
            }
            // At a chunk's end, one by one.
            for (var i = 0; i < BitOperations.PopCount(bits); i++)
            {
                Add(compressed[i], pool);
            }
        }

        /// <summary>Room for <paramref name="count"/> keys, to be written by <see cref="Set"/> in any order.</summary>
        public void Reserve(int count, ChunkPool pool)
        {
            while (_chunks.Count << ChunkPool.Shift < count)
            {
                _chunks.Add(pool.Rent());
            }
            Count = count;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int position, ulong key)
        {
            var chunk = _chunks[position >> ChunkPool.Shift];
            chunk.Slab[chunk.Offset + (position & (ChunkPool.Size - 1))] = key;
        }

        public int CopyTo(int row, ulong[] target, int offset)
        {
            var start = Starts[row];
            var count = Starts[row + 1] - start;
            for (var copied = 0; copied < count;)
            {
                var position = start + copied;
                var slot = position & (ChunkPool.Size - 1);
                var length = Math.Min(count - copied, ChunkPool.Size - slot);
                var chunk = _chunks[position >> ChunkPool.Shift];
                chunk.Slab.AsSpan(chunk.Offset + slot, length).CopyTo(target.AsSpan(offset + copied));
                copied += length;
            }
            return count;
        }

        public void Release(ChunkPool pool)
        {
            pool.Return(_chunks);
            _current = default;
            Count = 0;
        }
    }

    /// <summary>
    /// What one thread needs: for a tile a group of rows' scores, a padded row group and the tile's column hits in the
    /// order found; for finishing rows, <see cref="Rows"/>.
    /// </summary>
    private sealed class Worker(int block, int d, int n)
    {
        public readonly RowBuffers Rows = new(n);
        public readonly float[] Scores = new float[FaissArithmetic.RowGroup * block];
        public readonly float[] Padding = new float[FaissArithmetic.RowGroup * d];
        private readonly int[] _next = new int[block];
        private ulong[] _keys = new ulong[1024];
        private int[] _columns = new int[1024];
        private int _count;

        public void ClearColumnHits() => _count = 0;

        public void AddColumnHit(int column, ulong key)
        {
            if (_count == _keys.Length)
            {
                Grow();
            }
            _keys[_count] = key;
            _columns[_count++] = column;
        }

        /// <summary>The keys whose <paramref name="mask"/> lane is set, with their columns.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AppendColumnHits(Vector512<ulong> lower, Vector512<ulong> upper, Vector512<int> mask, Vector512<int> columns)
        {
            if (_count > _keys.Length - Vector512<int>.Count)
            {
                Grow();
            }
            var (lowerMask, upperMask) = Vector512.Widen(mask);
            ref var keys = ref MemoryMarshal.GetArrayDataReference(_keys);
            Avx512F.Compress(Vector512<ulong>.Zero, lowerMask.AsUInt64(), lower).StoreUnsafe(ref keys, (nuint)_count);
            var lowerCount = BitOperations.PopCount(lowerMask.ExtractMostSignificantBits());
            Avx512F.Compress(Vector512<ulong>.Zero, upperMask.AsUInt64(), upper).StoreUnsafe(ref keys, (nuint)(_count + lowerCount));
            Avx512F.Compress(Vector512<int>.Zero, mask, columns).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_columns), (nuint)_count);
            _count += BitOperations.PopCount(mask.ExtractMostSignificantBits());
        }

        /// <summary>The column hits grouped by column (a counting sort) into <paramref name="hits"/>.</summary>
        public Hits GroupColumnHits(int columns, Hits hits, ChunkPool pool)
        {
            var starts = hits.Starts;
            Array.Clear(starts, 0, columns + 1);
            foreach (var column in _columns.AsSpan(0, _count))
            {
                starts[column + 1]++;
            }
            for (var c = 0; c < columns; c++)
            {
                starts[c + 1] += starts[c];
                // Reused as the next free position of column c.
                _next[c] = starts[c];
            }
            hits.Reserve(_count, pool);
            for (var i = 0; i < _count; i++)
            {
                hits.Set(_next[_columns[i]]++, _keys[i]);
            }
            return hits;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Grow()
        {
            Array.Resize(ref _keys, _keys.Length * 2);
            Array.Resize(ref _columns, _columns.Length * 2);
        }
    }

    private sealed class RowBuffers(int n)
    {
        public readonly ulong[] Keys = new ulong[n];
        public readonly ulong[] Sorted = new ulong[n];
        public readonly ulong[] Members = new ulong[n];
        public float[]? Whole;
        public float[]? Padding;
        private int[] _better = [];

        /// <summary>Room for the counts of candidates before each member (the caller sets every one).</summary>
        public Span<int> Better(int length)
        {
            if (_better.Length < length)
            {
                _better = new int[length];
            }
            return _better.AsSpan(0, length);
        }
    }
}
