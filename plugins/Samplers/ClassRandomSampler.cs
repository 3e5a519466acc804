using NirHost.Abstractions;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// Each batch is bs / samples_per_class random classes with samples_per_class random samples each
/// (drawn with replacement, as the original), so every class in a batch has positives.
/// </summary>
[Sampler("class_random", RespectsSamplesPerClass = true, Description = "bs/samples_per_class random classes, samples_per_class random samples each.")]
public sealed class ClassRandomSampler : IBatchSampler
{
    private readonly SamplerData _data;
    private readonly int _batchSize;
    private readonly int _samplesPerClass;

    public ClassRandomSampler(SamplerData data, TrainingSetup setup)
    {
        SamplerChecks.Validate(data, setup);
        _data = data;
        _batchSize = setup.BatchSize;
        _samplesPerClass = setup.SamplesPerClass;
    }

    public int BatchesPerEpoch => _data.Labels.Count / _batchSize;

    public IEnumerable<int[]> Batches(Random random)
    {
        var classesPerBatch = _batchSize / _samplesPerClass;
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            var batch = new int[_batchSize];
            var position = 0;
            for (var c = 0; c < classesPerBatch; c++)
            {
                var members = _data.SamplesByClass[_data.Classes[random.Next(_data.Classes.Count)]];
                for (var s = 0; s < _samplesPerClass; s++)
                {
                    batch[position++] = members[random.Next(members.Count)];
                }
            }
            yield return batch;
        }
    }
}
