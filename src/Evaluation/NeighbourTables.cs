using NirHost.Abstractions;

namespace NirHost.Evaluation;

/// <summary>
/// The tables a neighbour search leaves (nearest indices per row, same-class ranks per row) read at a smaller depth than
/// searched, or turned into labels: shared by self-search (<see cref="EvaluationData"/>) and query/gallery search
/// (<see cref="QueryGalleryEvaluationData"/>), which cache the deepest search and serve shallower requests from it.
/// </summary>
internal static class NeighbourTables
{
    /// <summary>The labels of the indexed samples, [rows, k].</summary>
    public static int[,] Labels(int[,] indices, IReadOnlyList<int> labels)
    {
        var rows = indices.GetLength(0);
        var k = indices.GetLength(1);
        var result = new int[rows, k];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < k; j++)
            {
                result[i, j] = labels[indices[i, j]];
            }
        }
        return result;
    }

    /// <summary>The first <paramref name="k"/> columns of <paramref name="nearest"/> (itself when it has exactly k).</summary>
    public static int[,] Prefix(int[,] nearest, int k)
    {
        if (nearest.GetLength(1) == k)
        {
            return nearest;
        }
        var rows = nearest.GetLength(0);
        var prefix = new int[rows, k];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < k; j++)
            {
                prefix[i, j] = nearest[i, j];
            }
        }
        return prefix;
    }

    /// <summary>The ranks of <paramref name="ranks"/> up to <paramref name="depth"/> (itself when searched to exactly that depth).</summary>
    public static SameClassRanks Truncate(SameClassRanks ranks, int depth, int rows)
    {
        if (ranks.Depth == depth)
        {
            return ranks;
        }
        var offsets = new int[rows + 1];
        var kept = new List<int>();
        for (var i = 0; i < rows; i++)
        {
            foreach (var rank in ranks.Of(i))
            {
                if (rank <= depth)
                {
                    kept.Add(rank);
                }
            }
            offsets[i + 1] = kept.Count;
        }
        return new SameClassRanks(depth, offsets, [.. kept]);
    }

    /// <summary>Per-row rank lists as one <see cref="SameClassRanks"/>.</summary>
    public static SameClassRanks Flatten(int[][] rankLists, int depth)
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
}
