using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// Exact nearest-neighbour search of a split against itself, with the original's semantics: every sample is searched
/// for its k + 1 nearest, and the first of them (normally the sample itself) is dropped. Scores are rounded as faiss
/// rounds them (<see cref="FaissArithmetic"/>), so rankings, ties included, are the original's; ties go to the lower
/// index for distances and to the higher index for inner products, as in faiss's result heaps.
/// <para>
/// Scores are computed in square tiles of the upper triangle only: a dot product is bitwise symmetric, so each tile
/// serves its rows and, transposed, its columns, which halves the arithmetic. A pilot pass over evenly spaced sample
/// columns gives each row a threshold that at least k + 1 of its scores reach (four standard deviations of sampling
/// error to spare), and a tile keeps only the scores at or above the thresholds of their row and of their column.
/// A row is finished once its tile row is done: its nearest neighbours and the ranks of its own class are counted
/// among the kept scores (every sample ranked above a kept one was kept too), or, in the rare row whose threshold
/// kept too few, among all its scores recomputed.
/// </para>
/// Memory: the embeddings (and their normalised copy for cosine), one packed copy of them, one tile of at most
/// <see cref="MaxBlock"/> squared scores per thread, and the kept scores of unfinished rows (k + 1 plus the sampling
/// margin per row, about 1,740 for k = 1000 among 20,000, at most about a quarter of all rows' worth at once); never N x N.
/// </summary>
public static class NeighbourSearch
{
    /// <summary>Scores k-means holds at once: a block of points times k, at most this many floats (64 MiB).</summary>
    public const long MaxBlockScores = 16L << 20;

    /// <summary>Largest tile side; a tile of floats is then at most 16 MiB.</summary>
    public const int MaxBlock = 2048;

    /// <summary>Packed columns of one tile, in floats: 512 KiB, so they stay in a core's L2 cache while rows stream past.</summary>
    private const int PackedColumnsBudget = 128 * 1024;

    /// <summary>The result: indices of each row's nearest neighbours and the ranks of its own class.</summary>
    public sealed record Result(int[,]? Nearest, SameClassRanks? Ranks);

    /// <param name="embeddings">[N, D] float32 on the CPU.</param>
    /// <param name="labels">Class of each row.</param>
    /// <param name="nearest">How many nearest neighbour indices to return per row (0: none).</param>
    /// <param name="depth">Ranks of the own class up to this depth (0: none).</param>
    /// <param name="cosine">Inner products of rows normalised as scikit-learn does (faiss's IndexFlatIP) instead of Euclidean distance.</param>
    public static Result Search(Tensor embeddings, IReadOnlyList<int> labels, int nearest, int depth, bool cosine)
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
        float[] raw;
        using (no_grad())
        using (var values = embeddings.detach().to(float32).cpu().contiguous())
        {
            raw = values.data<float>().ToArray();
        }
        var keys = cosine ? FaissArithmetic.NormaliseRows(raw, n, d) : raw;
        var norms = cosine ? null : FaissArithmetic.SquaredNorms(keys, n, d);
        var workers = Math.Max(1, Math.Min(Environment.ProcessorCount, get_num_threads()));
        return new Pass(keys, norms, n, d, labels.ToArray(), nearest, depth, workers).Run();
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
        private readonly Kept?[] _keptAsColumn;
        private readonly int[,]? _nearestIndices;
        private readonly int[][]? _rankLists;
        private readonly ParallelOptions _parallel;
        private readonly ConcurrentStack<Worker> _idle = new();
        private readonly ConcurrentStack<Kept.Segment> _segments = new();
        private readonly List<Worker> _workers = [];
        private readonly ThreadLocal<RowBuffers> _rowBuffers;
        private readonly bool _tiesToHigherIndex;

        public Pass(float[] keys, float[]? norms, int n, int d, int[] labels, int nearest, int depth, int workers)
        {
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
            _keptAsColumn = new Kept?[n];
            _nearestIndices = nearest > 0 ? new int[n, nearest] : null;
            _rankLists = depth > 0 ? new int[n][] : null;
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = workers };
            _rowBuffers = new ThreadLocal<RowBuffers>(() => new RowBuffers(n));
        }

        public Result Run()
        {
            ComputeThresholds();
            var blocks = (_n + _block - 1) / _block;
            for (var stage = 0; stage <= blocks; stage++)
            {
                // One parallel loop per tile row: its tiles, and alongside them the rows of the previous tile row, all of
                // whose scores are in by then (rows of alternate tile rows keep into alternate lists).
                var rowBlock = stage;
                var tiles = stage < blocks ? blocks - stage : 0;
                var finishing = stage - 1;
                var rows = finishing >= 0 ? Math.Min(_block, _n - finishing * _block) : 0;
                var chunk = Math.Max(1, rows / (_parallel.MaxDegreeOfParallelism * 8));
                var parts = (rows + chunk - 1) / chunk;
                var workers = _workers.ToArray();
                Parallel.For(0, tiles + parts, _parallel, Rent, (item, _, worker) =>
                {
                    if (item < tiles)
                    {
                        Tile(rowBlock, rowBlock + item, worker);
                    }
                    else
                    {
                        var part = item - tiles;
                        for (var r = part * chunk; r < Math.Min(rows, (part + 1) * chunk); r++)
                        {
                            Finish(finishing, r, workers);
                        }
                    }
                    return worker;
                }, _idle.Push);
                if (finishing >= 0)
                {
                    foreach (var worker in _workers)
                    {
                        foreach (var kept in worker.KeptAsRow[finishing & 1])
                        {
                            kept.Clear();
                        }
                    }
                }
            }
            _rowBuffers.Dispose();
            return new Result(_nearestIndices, _rankLists is null ? null : Flatten(_rankLists, _depth));
        }

        private Worker Rent()
        {
            if (_idle.TryPop(out var worker))
            {
                return worker;
            }
            worker = new Worker(_block, _d, _segments);
            lock (_workers)
            {
                _workers.Add(worker);
            }
            return worker;
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
            Parallel.For(0, groups, _parallel, () => (Scores: new float[FaissArithmetic.RowGroup * width], Rows: new float[FaissArithmetic.RowGroup * _d]),
                (group, _, buffers) =>
                {
                    var first = group * FaissArithmetic.RowGroup;
                    var rows = Math.Min(FaissArithmetic.RowGroup, _n - first);
                    DotGroup(first, rows, packed, 0, panels, buffers.Scores, 0, width, buffers.Rows);
                    for (var r = 0; r < rows; r++)
                    {
                        var row = buffers.Scores.AsSpan(r * width, m);
                        ToScores(row, _norms?[first + r] ?? 0, sampleNorms);
                        _thresholds[first + r] = KthLargest(row, f);
                    }
                    return buffers;
                }, _ => { });
        }

        /// <summary>The <paramref name="k"/>-th largest value (1-based) by quickselect; reorders <paramref name="values"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float KthLargest(Span<float> values, int k)
        {
            var target = values.Length - k;
            int lo = 0, hi = values.Length - 1;
            while (lo < hi)
            {
                var pivot = values[(lo + hi) >>> 1];
                int i = lo, j = hi;
                while (i <= j)
                {
                    while (values[i] < pivot)
                    {
                        i++;
                    }
                    while (values[j] > pivot)
                    {
                        j--;
                    }
                    if (i <= j)
                    {
                        (values[i], values[j]) = (values[j], values[i]);
                        i++;
                        j--;
                    }
                }
                if (target <= j)
                {
                    hi = j;
                }
                else if (target >= i)
                {
                    lo = i;
                }
                else
                {
                    return values[target];
                }
            }
            return values[target];
        }

        /// <summary>Dot products of rows first..first+rows (fewer than a group padded with zero rows) with packed panels.</summary>
        private void DotGroup(int first, int rows, float[] packed, int firstPanel, int panels, float[] output, int offset, int stride, float[] padding)
        {
            if (rows == FaissArithmetic.RowGroup)
            {
                FaissArithmetic.Dot(_keys, first, _d, packed, firstPanel, panels, output, offset, stride);
                return;
            }
            Array.Clear(padding);
            _keys.AsSpan(first * _d, rows * _d).CopyTo(padding);
            FaissArithmetic.Dot(padding, 0, _d, packed, firstPanel, panels, output, offset, stride);
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
            var i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var q = Vector512.Create(rowNorm);
                var two = Vector512.Create(2f);
                var vectors = MemoryMarshal.Cast<float, Vector512<float>>(row);
                var norms = MemoryMarshal.Cast<float, Vector512<float>>(columnNorms[..row.Length]);
                for (var v = 0; v < vectors.Length; v++)
                {
                    var distance = (q + norms[v]) - two * vectors[v];
                    vectors[v] = -Vector512.Max(distance, Vector512<float>.Zero);
                }
                i = vectors.Length * 16;
            }
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
            var tile = worker.Tile;
            var stride = _block;
            var diagonal = rowBlock == columnBlock;
            for (var group = 0; group < rows; group += FaissArithmetic.RowGroup)
            {
                // On the diagonal only the upper triangle is needed: panels wholly left of the group are skipped.
                var skipped = diagonal ? group / FaissArithmetic.PanelWidth : 0;
                DotGroup(rowStart + group, Math.Min(FaissArithmetic.RowGroup, rows - group), _packed, columnStart / FaissArithmetic.PanelWidth + skipped,
                    panels - skipped, tile, group * stride + skipped * FaissArithmetic.PanelWidth, stride, worker.Padding);
            }
            var columnNorms = _norms is null ? ReadOnlySpan<float>.Empty : _norms.AsSpan(columnStart, columns);
            for (var r = 0; r < rows; r++)
            {
                // A diagonal row starts at its own column (itself included); the columns before it come from the transposed pass.
                var from = diagonal ? r : 0;
                var row = tile.AsSpan(r * stride + from, columns - from);
                ToScores(row, _norms?[rowStart + r] ?? 0, columnNorms[Math.Min(from, columnNorms.Length)..]);
                KeepAtLeast(row, _thresholds[rowStart + r], columnStart + from, worker.KeptAsRow[rowBlock & 1][r]);
            }
            KeepByColumn(tile, stride, rows, rowStart, columns, columnStart, diagonal);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void KeepAtLeast(ReadOnlySpan<float> row, float threshold, int indexOffset, Kept kept)
        {
            var i0 = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var t = Vector512.Create(threshold);
                var vectors = MemoryMarshal.Cast<float, Vector512<float>>(row);
                for (var v = 0; v < vectors.Length; v++)
                {
                    var mask = Vector512.GreaterThanOrEqual(vectors[v], t).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        var i = v * 16 + BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        kept.Add(row[i], indexOffset + i);
                    }
                }
                i0 = vectors.Length * 16;
            }
            for (var i = i0; i < row.Length; i++)
            {
                if (row[i] >= threshold)
                {
                    kept.Add(row[i], indexOffset + i);
                }
            }
        }

        /// <summary>
        /// The tile transposed: scores kept for the columns' own rows, which only this tile writes in this pass. On
        /// the diagonal, only the scores above it (row before column).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void KeepByColumn(float[] tile, int stride, int rows, int rowStart, int columns, int columnStart, bool diagonal)
        {
            for (var c0 = 0; c0 < columns; c0 += 16)
            {
                var width = Math.Min(16, columns - c0);
                var thresholds = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(_thresholds), (nuint)(columnStart + c0));
                var valid = width == 16 ? ulong.MaxValue : (1UL << width) - 1;
                var lastRow = diagonal ? Math.Min(rows, c0 + 16) : rows;
                for (var r = 0; r < lastRow; r++)
                {
                    var scores = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(tile), (nuint)(r * stride + c0));
                    var mask = Vector512.GreaterThanOrEqual(scores, thresholds).ExtractMostSignificantBits() & valid;
                    if (diagonal && r >= c0)
                    {
                        mask &= ~((2UL << (r - c0)) - 1);
                    }
                    while (mask != 0)
                    {
                        var bit = BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        var column = columnStart + c0 + bit;
                        (_keptAsColumn[column] ??= new Kept(_segments)).Add(tile[r * stride + c0 + bit], rowStart + r);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Finish(int rowBlock, int r, Worker[] workers)
        {
            var query = rowBlock * _block + r;
            var buffer = _rowBuffers.Value!;
            var count = 0;
            if (_keptAsColumn[query] is { } asColumn)
            {
                asColumn.CopyTo(buffer.Scores, buffer.Indices, 0);
                count = asColumn.Count;
                asColumn.Release();
                _keptAsColumn[query] = null;
            }
            // Workers started after this tile row's tiles kept nothing for it.
            foreach (var worker in workers)
            {
                var kept = worker.KeptAsRow[rowBlock & 1][r];
                kept.CopyTo(buffer.Scores, buffer.Indices, count);
                count += kept.Count;
            }
            if (count < _needed)
            {
                count = WholeRow(query, buffer);
            }
            Select(query, buffer.Scores.AsSpan(0, count), buffer.Indices.AsSpan(0, count), buffer);
        }

        /// <summary>The rare row whose sampled threshold kept too few: all its scores, computed the same way.</summary>
        private int WholeRow(int query, RowBuffers buffer)
        {
            var panels = (_n + FaissArithmetic.PanelWidth - 1) / FaissArithmetic.PanelWidth;
            var width = panels * FaissArithmetic.PanelWidth;
            buffer.Whole ??= new float[FaissArithmetic.RowGroup * width];
            buffer.Padding ??= new float[FaissArithmetic.RowGroup * _d];
            Array.Clear(buffer.Padding);
            _keys.AsSpan(query * _d, _d).CopyTo(buffer.Padding);
            FaissArithmetic.Dot(buffer.Padding, 0, _d, _packed, 0, panels, buffer.Whole, 0, width);
            var row = buffer.Whole.AsSpan(0, _n);
            ToScores(row, _norms?[query] ?? 0, _norms);
            row.CopyTo(buffer.Scores);
            for (var i = 0; i < _n; i++)
            {
                buffer.Indices[i] = i;
            }
            return _n;
        }

        /// <summary>
        /// Nearest neighbours and own-class ranks among the kept candidates, in faiss's order, the first candidate
        /// dropped as the original drops the first search result.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Select(int query, ReadOnlySpan<float> scores, ReadOnlySpan<int> indices, RowBuffers buffer)
        {
            var top = Top(scores, indices, Math.Min(_nearest + 1, scores.Length), buffer);
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
            var dropped = IndexOf(top[0]);
            var own = _labels[query];
            var members = buffer.Keys(scores.Length);
            var m = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                if (_labels[indices[i]] == own && indices[i] != dropped)
                {
                    members[m++] = Key(scores[i], indices[i]);
                }
            }
            var sorted = members.AsSpan(0, m);
            sorted.Sort();
            var better = buffer.Counts(m + 1);
            if (m > 0)
            {
                var worst = sorted[m - 1];
                for (var i = 0; i < scores.Length; i++)
                {
                    var key = Key(scores[i], indices[i]);
                    if (key >= worst)
                    {
                        continue;
                    }
                    // The first member this candidate beats; it beats every member after it too.
                    int lo = 0, hi = m - 1;
                    while (lo < hi)
                    {
                        var mid = (lo + hi) >> 1;
                        if (key < sorted[mid])
                        {
                            hi = mid;
                        }
                        else
                        {
                            lo = mid + 1;
                        }
                    }
                    better[lo]++;
                }
            }
            buffer.Ranks.Clear();
            var above = 0;
            for (var j = 0; j < m; j++)
            {
                above += better[j];
                // Ranks count from the dropped first result, which is better than every member.
                if (above > _depth)
                {
                    break;
                }
                buffer.Ranks.Add(above);
            }
            _rankLists[query] = [.. buffer.Ranks];
        }

        /// <summary>The <paramref name="count"/> best candidates' keys, best first.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private ReadOnlySpan<ulong> Top(ReadOnlySpan<float> scores, ReadOnlySpan<int> indices, int count, RowBuffers buffer)
        {
            if (count > 64)
            {
                var all = buffer.Keys(scores.Length);
                for (var i = 0; i < scores.Length; i++)
                {
                    all[i] = Key(scores[i], indices[i]);
                }
                all.AsSpan(0, scores.Length).Sort();
                var copy = buffer.Top(count);
                all.AsSpan(0, count).CopyTo(copy);
                return copy.AsSpan(0, count);
            }
            var best = buffer.Top(count);
            var filled = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                var key = Key(scores[i], indices[i]);
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
            return best.AsSpan(0, count);
        }

        /// <summary>
        /// A key whose ascending order is faiss's order of results: larger score first (the two zeros equal), then
        /// the index faiss puts first among equals.
        /// </summary>
        private ulong Key(float score, int index)
        {
            var bits = BitConverter.SingleToUInt32Bits(score + 0f);
            var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
            return ((ulong)~ascending << 32) | (uint)(_tiesToHigherIndex ? int.MaxValue - index : index);
        }

        private int IndexOf(ulong key)
        {
            var low = (int)(uint)key;
            return _tiesToHigherIndex ? int.MaxValue - low : low;
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static SameClassRanks Flatten(int[][] rankLists, int depth)
    {
        var offsets = new int[rankLists.Length + 1];
        for (var i = 0; i < rankLists.Length; i++)
        {
            offsets[i + 1] = offsets[i] + rankLists[i].Length;
        }
        var flat = new int[offsets[^1]];
        for (var i = 0; i < rankLists.Length; i++)
        {
            rankLists[i].CopyTo(flat, offsets[i]);
        }
        return new SameClassRanks(depth, offsets, flat);
    }

    /// <summary>
    /// Scores kept for one row, with the columns they belong to, in segments of a shared pool: a finished row's
    /// segments serve later rows, so the pass allocates about as much as it holds at once and copies nothing to grow.
    /// </summary>
    private sealed class Kept(ConcurrentStack<Kept.Segment> pool)
    {
        private const int Shift = 8;
        private const int Size = 1 << Shift;
        private Segment[] _segments = new Segment[8];
        private int _used;
        private Segment? _current;

        public int Count { get; private set; }

        public void Add(float score, int index)
        {
            var slot = Count & (Size - 1);
            if (slot == 0)
            {
                var segment = Count >> Shift;
                if (segment == _used)
                {
                    if (_used == _segments.Length)
                    {
                        Array.Resize(ref _segments, _used * 2);
                    }
                    _segments[_used++] = pool.TryPop(out var spare) ? spare : new Segment();
                }
                _current = _segments[segment];
            }
            _current!.Scores[slot] = score;
            _current.Indices[slot] = index;
            Count++;
        }

        public void CopyTo(float[] scores, int[] indices, int offset)
        {
            for (int segment = 0, copied = 0; copied < Count; segment++)
            {
                var length = Math.Min(Size, Count - copied);
                _segments[segment].Scores.AsSpan(0, length).CopyTo(scores.AsSpan(offset + copied));
                _segments[segment].Indices.AsSpan(0, length).CopyTo(indices.AsSpan(offset + copied));
                copied += length;
            }
        }

        /// <summary>Empties the list; its segments stay for the next row it serves.</summary>
        public void Clear() => Count = 0;

        /// <summary>Empties the list and hands its segments back to the pool.</summary>
        public void Release()
        {
            for (var i = 0; i < _used; i++)
            {
                pool.Push(_segments[i]);
            }
            _used = 0;
            _current = null;
            Count = 0;
        }

        public sealed class Segment
        {
            public readonly float[] Scores = new float[Size];
            public readonly int[] Indices = new int[Size];
        }
    }

    /// <summary>What one thread needs for a tile: the tile, the rows it keeps for the current and the previous tile row, a padded row group.</summary>
    private sealed class Worker(int block, int d, ConcurrentStack<Kept.Segment> segments)
    {
        public readonly float[] Tile = new float[block * block];
        public readonly Kept[][] KeptAsRow = [NewLists(block, segments), NewLists(block, segments)];
        public readonly float[] Padding = new float[FaissArithmetic.RowGroup * d];

        private static Kept[] NewLists(int count, ConcurrentStack<Kept.Segment> segments) =>
            Enumerable.Range(0, count).Select(_ => new Kept(segments)).ToArray();
    }

    private sealed class RowBuffers(int n)
    {
        public readonly float[] Scores = new float[n];
        public readonly int[] Indices = new int[n];
        public readonly List<int> Ranks = [];
        public float[]? Whole;
        public float[]? Padding;
        private int[] _counts = [];
        private ulong[] _top = [];
        private ulong[] _keys = [];

        public int[] Counts(int length)
        {
            if (_counts.Length < length)
            {
                _counts = new int[length];
            }
            Array.Clear(_counts, 0, length);
            return _counts;
        }

        public ulong[] Top(int length) => _top.Length >= length ? _top : _top = new ulong[length];

        public ulong[] Keys(int length) => _keys.Length >= length ? _keys : _keys = new ulong[length];
    }
}
