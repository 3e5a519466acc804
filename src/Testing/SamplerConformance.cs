using NirHost.Abstractions;

namespace NirHost.Testing;

/// <summary>A sampler yields its announced number of batches of --bs in-range indices, respecting --samples_per_class when it says so.</summary>
internal static class SamplerConformance
{
    private const int BatchSize = 12;
    private const int SamplesPerClass = 3;

    /// <summary>Storage samplers see the training set's embeddings before an epoch: the same seeded ones every time.</summary>
    private static void Begin(IBatchSampler sampler, int count)
    {
        if (sampler is IStorageBatchSampler storage)
        {
            storage.BeginEpoch(0, () => TorchSharp.torch.randn(count, 16, generator: new TorchSharp.torch.Generator(9)));
        }
    }

    public static void Run(CheckList checks, Type type, SamplerAttribute attribute, ConformanceOptions options)
    {
        // Classes of unequal size, as in real datasets.
        var labels = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Repeat(c, 4 + c % 4)).ToArray();
        var data = new SamplerData(labels);
        var services = new ConformanceServices(options, ConformanceKit.Setup(options, numClasses: 10, batchSize: BatchSize, samplesPerClass: SamplesPerClass), type.Assembly);
        IBatchSampler? sampler = null;
        if (!checks.Run($"is built for --bs {BatchSize} --samples_per_class {SamplesPerClass}", () =>
            {
                sampler = (IBatchSampler)services.Create(type, ComponentSpec.Plain(attribute.Name), data);
                return $"{labels.Length} samples, 10 classes";
            }))
        {
            return;
        }
        List<int[]> batches = [];
        if (!checks.Run("yields BatchesPerEpoch batches of --bs in-split indices", () =>
            {
                Begin(sampler!, labels.Length);
                batches = [.. sampler!.Batches(new Random(5))];
                CheckFailure.Unless(sampler.BatchesPerEpoch > 0, "BatchesPerEpoch is 0");
                CheckFailure.Unless(batches.Count == sampler.BatchesPerEpoch, $"yielded {batches.Count} batches but BatchesPerEpoch is {sampler.BatchesPerEpoch}");
                for (var b = 0; b < batches.Count; b++)
                {
                    CheckFailure.Unless(batches[b].Length == BatchSize, $"batch {b} has {batches[b].Length} samples, --bs is {BatchSize}");
                    var outside = batches[b].FirstOrDefault(i => i < 0 || i >= labels.Length, -1);
                    CheckFailure.Unless(batches[b].All(i => i >= 0 && i < labels.Length), $"batch {b} holds index {outside}, outside the split of {labels.Length}");
                }
                return $"{batches.Count} batches";
            }))
        {
            return;
        }
        if (attribute.RespectsSamplesPerClass)
        {
            checks.Run("respects --samples_per_class", () =>
            {
                for (var b = 0; b < batches.Count; b++)
                {
                    foreach (var group in batches[b].GroupBy(i => labels[i]))
                    {
                        CheckFailure.Unless(group.Count() % SamplesPerClass == 0,
                            $"batch {b} holds {group.Count()} samples of class {group.Key}, not a multiple of --samples_per_class {SamplesPerClass}");
                    }
                }
                return "";
            });
        }
        else
        {
            checks.Skip("respects --samples_per_class", "the sampler does not declare RespectsSamplesPerClass");
        }
        checks.Run("same random source, same batches", () =>
        {
            Begin(sampler!, labels.Length);
            var again = sampler!.Batches(new Random(5)).ToList();
            CheckFailure.Unless(again.Count == batches.Count && again.Zip(batches).All(pair => pair.First.SequenceEqual(pair.Second)),
                "two epochs with identically seeded random sources differ: draw all randomness from the given Random");
            return "";
        });
    }
}
