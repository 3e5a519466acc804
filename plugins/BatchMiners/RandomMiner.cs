using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Draws bs triplets uniformly from all valid (anchor, positive, negative) triplets of the batch,
/// without replacement (the original's <c>random</c> miner); all of them, shuffled, when the batch has fewer
/// (the original fails then), so a batch with one sample per class or of one class gives none.
/// </summary>
[BatchMiner("random", Description = "Uniformly random valid triplets, as many as the batch has samples.")]
public sealed class RandomMiner : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        var classes = labels.cpu().data<long>().ToArray();
        var byClass = classes
            .Select((label, index) => (label, index))
            .GroupBy(pair => pair.label)
            .OrderBy(group => group.Key)
            .ToDictionary(group => group.Key, group => group.Select(pair => pair.index).ToArray());

        var candidates = new List<(int Anchor, int Positive, int Negative)>();
        foreach (var (label, members) in byClass)
        {
            foreach (var (otherLabel, others) in byClass)
            {
                if (otherLabel == label)
                {
                    continue;
                }
                foreach (var anchor in members)
                {
                    foreach (var positive in members)
                    {
                        if (anchor == positive)
                        {
                            continue;
                        }
                        foreach (var negative in others)
                        {
                            candidates.Add((anchor, positive, negative));
                        }
                    }
                }
            }
        }

        var count = Math.Min(classes.Length, candidates.Count);

        // Partial Fisher-Yates: the first `count` entries become a uniform sample without replacement.
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, candidates.Count);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
        }
        var chosen = candidates.Take(count).ToArray();
        return new MinedTriplets(
            chosen.Select(t => (long)t.Anchor).ToArray(),
            chosen.Select(t => (long)t.Positive).ToArray(),
            chosen.Select(t => (long)t.Negative).ToArray());
    }
}
