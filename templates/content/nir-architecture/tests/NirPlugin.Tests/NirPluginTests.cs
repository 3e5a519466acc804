using NirHost.Abstractions;
using NirHost.Testing;
using static TorchSharp.torch;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_architecture_contract() => ConformanceKit.AssertConforms(typeof(NirPluginArchitecture));

    [Fact]
    public void Warmup_trains_the_head_only()
    {
        var setup = new TrainingSetup
        {
            EmbedDim = 8, NumClasses = 4, LearningRate = 1e-3, WeightDecay = 0, BatchSize = 4, SamplesPerClass = 2, Seed = 0, Device = CPU,
        };
        using var model = new NirPluginArchitecture(new NirPluginOptions(), setup, ComponentSpec.Plain("nirplugin"));

        model.Forward(randn(2, 3, 16, 16), warmup: true).Embeddings.sum().backward();

        Assert.All(model.named_parameters(), p =>
        {
            if (p.name.StartsWith("last_linear", StringComparison.Ordinal))
            {
                Assert.NotNull(p.parameter.grad);
            }
            else
            {
                Assert.Null(p.parameter.grad);
            }
        });
    }
}
