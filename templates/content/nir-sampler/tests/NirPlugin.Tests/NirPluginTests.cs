using NirHost.Abstractions;
using NirHost.Testing;
using static TorchSharp.torch;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_sampler_contract() => ConformanceKit.AssertConforms(typeof(NirPluginSampler));

    [Fact]
    public void Batches_hold_distinct_classes_when_there_are_enough()
    {
        var labels = Enumerable.Range(0, 60).Select(i => i % 10).ToArray();
        var setup = new TrainingSetup
        {
            EmbedDim = 8, NumClasses = 10, LearningRate = 1e-3, WeightDecay = 0, BatchSize = 12, SamplesPerClass = 3, Seed = 0, Device = CPU,
        };
        var sampler = new NirPluginSampler(new NirPluginOptions(), new SamplerData(labels), setup);

        foreach (var batch in sampler.Batches(new Random(0)))
        {
            Assert.Equal(4, batch.Select(i => labels[i]).Distinct().Count());
            Assert.Equal(12, batch.Distinct().Count());
        }
    }
}
