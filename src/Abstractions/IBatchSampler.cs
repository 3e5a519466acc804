namespace NirHost.Abstractions;

/// <summary>The training split as a sampler sees it: each sample's class, and the samples of each class.</summary>
public sealed class SamplerData
{
    public SamplerData(IReadOnlyList<int> labels)
    {
        Labels = labels;
        var byClass = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (!byClass.TryGetValue(labels[i], out var members))
            {
                byClass[labels[i]] = members = [];
            }
            members.Add(i);
        }
        SamplesByClass = byClass.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<int>)pair.Value);
        Classes = [.. byClass.Keys];
    }

    public IReadOnlyList<int> Labels { get; }

    /// <summary>Classes in ascending order, as the original's <c>image_dict</c> keys.</summary>
    public IReadOnlyList<int> Classes { get; }

    public IReadOnlyDictionary<int, IReadOnlyList<int>> SamplesByClass { get; }
}

/// <summary>Composes the training batches of one epoch (the original's <c>datasampler</c>).</summary>
public interface IBatchSampler
{
    /// <summary>Batches per epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>The epoch's batches as sample indices. All randomness comes from <paramref name="random"/>.</summary>
    IEnumerable<int[]> Batches(Random random);
}
