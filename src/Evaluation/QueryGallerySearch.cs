using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// Exact nearest-neighbour search of queries against a separate gallery, as retrieval is used (and as the In-Shop
/// benchmark scores it): every gallery sample is a candidate and none is dropped, since a query is not in the gallery.
/// Scores are rounded as <see cref="NeighbourSearch"/> rounds them (<see cref="FaissArithmetic"/>) and ties broken the
/// same way (the lower gallery index first for distances, the higher for inner products, as faiss's result heaps do),
/// so that a ranking here is the one faiss would return for the same two sets.
/// <para>
/// Plain blocked search: groups of <see cref="FaissArithmetic.RowGroup"/> queries are scored against the whole packed
/// gallery, and each query's best candidates are selected from its row of scores. Memory: the two sets (plus
/// normalised copies for cosine), one packed copy of the gallery, per thread one group's scores and one row's keys
/// (about 12 x gallery size floats), and the results; never queries x gallery.
/// </para>
/// </summary>
public static class QueryGallerySearch
{
    /// <param name="queries">[Nq, D] float32.</param>
    /// <param name="gallery">[Ng, D] float32.</param>
    /// <param name="queryLabels">Class of each query.</param>
    /// <param name="galleryLabels">Class of each gallery sample, numbered as the queries' (a class no query has: any other value).</param>
    /// <param name="nearest">Gallery indices of this many nearest per query (0: none).</param>
    /// <param name="depth">Ranks of the query's class among the first <paramref name="depth"/> gallery samples (0: none).</param>
    /// <param name="cosine">Inner products of rows normalised as scikit-learn does (faiss's IndexFlatIP) instead of Euclidean distance.</param>
    public static NeighbourSearch.Result Search(Tensor queries, Tensor gallery, IReadOnlyList<int> queryLabels, IReadOnlyList<int> galleryLabels,
        int nearest, int depth, bool cosine)
    {
        var nq = (int)queries.shape[0];
        var ng = (int)gallery.shape[0];
        var d = (int)queries.shape[1];
        if (gallery.shape[1] != d)
        {
            throw new ArgumentException($"Queries have {d} dimensions but the gallery has {gallery.shape[1]}.");
        }
        if (nearest > ng || depth > ng || nearest < 0 || depth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nearest), $"{Math.Max(nearest, depth)} neighbours requested but the gallery has {ng} samples.");
        }
        if (Math.Max(nearest, depth) == 0)
        {
            return new NeighbourSearch.Result(null, null);
        }
        var rawQueries = KernelInput.Floats(queries);
        var rawGallery = KernelInput.Floats(gallery);
        var q = cosine ? FaissArithmetic.NormaliseRows(rawQueries, nq, d) : rawQueries;
        var g = cosine ? FaissArithmetic.NormaliseRows(rawGallery, ng, d) : rawGallery;
        var queryNorms = cosine ? null : FaissArithmetic.SquaredNorms(q, nq, d);
        var galleryNorms = cosine ? null : FaissArithmetic.SquaredNorms(g, ng, d);
        var packed = FaissArithmetic.Pack(g, d, 0, ng);
        var panels = (ng + FaissArithmetic.PanelWidth - 1) / FaissArithmetic.PanelWidth;
        var stride = panels * FaissArithmetic.PanelWidth;
        var selected = Math.Max(nearest, depth);
        var gLabels = galleryLabels.ToArray();
        var nearestIndices = nearest > 0 ? new int[nq, nearest] : null;
        var rankLists = depth > 0 ? new int[nq][] : null;
        var groups = (nq + FaissArithmetic.RowGroup - 1) / FaissArithmetic.RowGroup;

        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = KernelInput.Threads },
            () => new Buffers(stride, d, ng),
            (group, _, buffers) =>
            {
                var first = group * FaissArithmetic.RowGroup;
                var rows = Math.Min(FaissArithmetic.RowGroup, nq - first);
                FaissArithmetic.DotRows(q, first, rows, d, packed, 0, panels, buffers.Scores, 0, stride, buffers.Padding);
                for (var r = 0; r < rows; r++)
                {
                    var query = first + r;
                    var scores = buffers.Scores.AsSpan(r * stride, ng);
                    var keys = buffers.Keys;
                    for (var j = 0; j < ng; j++)
                    {
                        keys[j] = cosine ? CosineKey(scores[j], j) : DistanceKey((queryNorms![query] + galleryNorms![j]) - 2f * scores[j], j);
                    }
                    SelectSmallest(keys, selected);
                    Array.Sort(keys, 0, selected);
                    if (nearestIndices is not null)
                    {
                        for (var k = 0; k < nearest; k++)
                        {
                            nearestIndices[query, k] = IndexOf(keys[k], cosine);
                        }
                    }
                    if (rankLists is not null)
                    {
                        var own = queryLabels[query];
                        var ranks = new List<int>();
                        for (var k = 0; k < depth; k++)
                        {
                            if (gLabels[IndexOf(keys[k], cosine)] == own)
                            {
                                ranks.Add(k + 1);
                            }
                        }
                        rankLists[query] = [.. ranks];
                    }
                }
                return buffers;
            },
            _ => { });

        return new NeighbourSearch.Result(nearestIndices, rankLists is null ? null : NeighbourTables.Flatten(rankLists, depth));
    }

    private sealed class Buffers(int stride, int d, int ng)
    {
        public readonly float[] Scores = new float[FaissArithmetic.RowGroup * stride];
        public readonly float[] Padding = new float[FaissArithmetic.RowGroup * d];
        public readonly ulong[] Keys = new ulong[ng];
    }

    /// <summary>
    /// A key that sorts ascending by faiss's squared distance max(0, (|q|^2 + |g|^2) - 2&lt;q,g&gt;), then by the lower
    /// gallery index.
    /// </summary>
    private static ulong DistanceKey(float distance, int index) =>
        ((ulong)Ordered(distance > 0 ? distance : 0f) << 32) | (uint)index;

    /// <summary>A key that sorts ascending by descending inner product, then by the higher gallery index.</summary>
    private static ulong CosineKey(float score, int index) =>
        ((ulong)~Ordered(score) << 32) | (uint)(int.MaxValue - index);

    private static int IndexOf(ulong key, bool cosine)
    {
        var low = (int)(uint)key;
        return cosine ? int.MaxValue - low : low;
    }

    /// <summary>The float's bits turned into an unsigned integer of the same order (the two zeros one value).</summary>
    private static uint Ordered(float value)
    {
        var bits = value == 0 ? 0u : BitConverter.SingleToUInt32Bits(value);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    /// <summary>
    /// Moves the <paramref name="count"/> smallest keys (all distinct: the index is part of each) to the front, in no
    /// particular order (Hoare's quickselect, middle pivot).
    /// </summary>
    internal static void SelectSmallest(ulong[] keys, int count)
    {
        var low = 0;
        var high = keys.Length - 1;
        var target = count - 1;
        while (low < high)
        {
            var pivot = keys[low + (high - low) / 2];
            var i = low;
            var j = high;
            while (i <= j)
            {
                while (keys[i] < pivot)
                {
                    i++;
                }
                while (keys[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    i++;
                    j--;
                }
            }
            if (target <= j)
            {
                high = j;
            }
            else if (target >= i)
            {
                low = i;
            }
            else
            {
                return;
            }
        }
    }
}
