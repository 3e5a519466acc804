using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>
/// An example sampler to start from: each batch holds --bs / --samples_per_class distinct classes with
/// --samples_per_class samples each, drawn without replacement while a class has enough. The host passes the
/// training labels (<see cref="SamplerData"/>) and reseeds <c>random</c> every epoch.
/// </summary>
[Sampler("nirplugin", Options = typeof(NirPluginOptions), RespectsSamplesPerClass = true,
    Description = "Distinct classes per batch, samples_per_class each (template example).")]
public sealed class NirPluginSampler : IBatchSampler
{
    private readonly SamplerData _data;
    private readonly int _batchSize;
    private readonly int _samplesPerClass;

    public NirPluginSampler(NirPluginOptions options, SamplerData data, TrainingSetup setup)
    {
        if (setup.SamplesPerClass < 1 || setup.BatchSize % setup.SamplesPerClass != 0)
        {
            throw new ArgumentException($"--samples_per_class ({setup.SamplesPerClass}) must divide --bs ({setup.BatchSize}).");
        }
        _data = data;
        _batchSize = setup.BatchSize;
        _samplesPerClass = setup.SamplesPerClass;
        BatchesPerEpoch = options.BatchesPerEpoch > 0 ? options.BatchesPerEpoch : Math.Max(1, data.Labels.Count / setup.BatchSize);
    }

    public int BatchesPerEpoch { get; }

    public IEnumerable<int[]> Batches(Random random)
    {
        var classesPerBatch = _batchSize / _samplesPerClass;
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            // Distinct classes where there are enough of them.
            var classes = _data.Classes.OrderBy(_ => random.Next()).Take(classesPerBatch).ToList();
            while (classes.Count < classesPerBatch)
            {
                classes.Add(_data.Classes[random.Next(_data.Classes.Count)]);
            }
            var batch = new List<int>(_batchSize);
            foreach (var label in classes)
            {
                var members = _data.SamplesByClass[label];
                var shuffled = members.OrderBy(_ => random.Next()).ToList();
                for (var s = 0; s < _samplesPerClass; s++)
                {
                    batch.Add(s < shuffled.Count ? shuffled[s] : members[random.Next(members.Count)]);
                }
            }
            yield return [.. batch];
        }
    }
}
