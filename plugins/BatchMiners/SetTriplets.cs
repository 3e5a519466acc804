using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

internal static class SetTriplets
{
    /// <summary>
    /// Every (anchor, positive, negative) a set miner's sets contain, for triplet criteria paired with a set
    /// miner: anchor by anchor, positives and then negatives in ascending order.
    /// </summary>
    public static MinedTriplets Expand(MinedSets sets)
    {
        if (sets.Count == 0)
        {
            return new MinedTriplets([], [], []);
        }
        using var scope = NewDisposeScope();
        var combinations = sets.Positives.unsqueeze(2).logical_and(sets.Negatives.unsqueeze(1));
        var found = combinations.nonzero().cpu();
        if (found.shape[0] == 0)
        {
            return new MinedTriplets([], [], []);
        }
        var rows = found.select(1, 0).data<long>().ToArray();
        return new MinedTriplets(
            [.. rows.Select(row => sets.Anchors[row])],
            found.select(1, 1).data<long>().ToArray(),
            found.select(1, 2).data<long>().ToArray());
    }
}
