using NirHost.Abstractions;
using NirHost.Testing;
using static TorchSharp.torch;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_criterion_contract() => ConformanceKit.AssertConforms(typeof(NirPluginCriterion));

    [Fact]
    public void Separated_classes_cost_less_than_mixed_ones()
    {
        var setup = new TrainingSetup
        {
            EmbedDim = 4, NumClasses = 2, LearningRate = 1e-3, WeightDecay = 0, BatchSize = 4, SamplesPerClass = 2, Seed = 0, Device = CPU,
        };
        using var criterion = new NirPluginCriterion(new NirPluginOptions(), setup);
        var embeddings = tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0 }).reshape(4, 4);

        var separated = criterion.call(new CriterionBatch(embeddings, tensor(new long[] { 0, 0, 1, 1 }))).item<float>();
        var mixed = criterion.call(new CriterionBatch(embeddings, tensor(new long[] { 0, 1, 0, 1 }))).item<float>();

        Assert.Equal(0f, separated, 1e-6f);
        Assert.True(mixed > separated, $"mixed {mixed} <= separated {separated}");
    }
}
