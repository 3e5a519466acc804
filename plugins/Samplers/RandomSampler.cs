using NirHost.Abstractions;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// bs - 1 samples of uniformly drawn classes, plus one more sample of the class of a sample already drawn,
/// so that every batch holds at least one positive pair (the original's <c>random</c> sampler).
/// </summary>
[Sampler("random", Description = "Random classes and samples, with one guaranteed positive pair per batch.")]
public sealed class RandomSampler : IBatchSampler
{
    private readonly SamplerData _data;
    private readonly int _batchSize;

    public RandomSampler(SamplerData data, TrainingSetup setup)
    {
        SamplerChecks.Validate(data, setup);
        _data = data;
        _batchSize = setup.BatchSize;
    }

    public int BatchesPerEpoch => _data.Labels.Count / _batchSize;

    public IEnumerable<int[]> Batches(Random random)
    {
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            var batch = new int[_batchSize];
            for (var i = 0; i < _batchSize - 1; i++)
            {
                var members = _data.SamplesByClass[_data.Classes[random.Next(_data.Classes.Count)]];
                batch[i] = members[random.Next(members.Count)];
            }
            var partnerClass = _data.Labels[batch[random.Next(_batchSize - 1)]];
            var partners = _data.SamplesByClass[partnerClass];
            batch[_batchSize - 1] = partners[random.Next(partners.Count)];
            yield return batch;
        }
    }
}
