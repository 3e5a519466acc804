using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// The base repository's <c>intra_random</c> miner (an ablation): as many triplets as the batch has samples,
/// each of three samples drawn with replacement from one class chosen uniformly among the batch's classes,
/// so "negatives" share the anchor's class.
/// </summary>
[BatchMiner("intra_random", FollowsLabels = false, Description = "Triplets of three samples of one random class, drawn with replacement (ablation).")]
public sealed class IntraRandomMiner : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        var classes = labels.reshape(-1).cpu().data<long>().ToArray();
        var members = classes
            .Select((label, index) => (label, index: (long)index))
            .GroupBy(pair => pair.label)
            .OrderBy(group => group.Key)
            .Select(group => group.Select(pair => pair.index).ToArray())
            .ToArray();
        var count = classes.Length;
        var (anchors, positives, negatives) = (new long[count], new long[count], new long[count]);
        for (var t = 0; t < count; t++)
        {
            var group = members[random.Next(members.Length)];
            anchors[t] = group[random.Next(group.Length)];
            positives[t] = group[random.Next(group.Length)];
            negatives[t] = group[random.Next(group.Length)];
        }
        return new MinedTriplets(anchors, positives, negatives);
    }
}
