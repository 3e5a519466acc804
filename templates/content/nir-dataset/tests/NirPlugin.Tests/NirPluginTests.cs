using NirHost.Testing;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_dataset_contract() => ConformanceKit.AssertConforms(typeof(NirPluginDataset));

    [Fact]
    public void The_same_options_give_the_same_images()
    {
        var options = new NirPluginOptions { Classes = 4, SamplesPerClass = 3, ImageSize = 8 };
        var first = new NirPluginDataset(options).Load().Testing.LoadBatch([0, 5], null);
        var second = new NirPluginDataset(options).Load().Testing.LoadBatch([0, 5], null);

        Assert.Equal(first.shape, second.shape);
        Assert.True(first.eq(second).all().item<bool>());
    }
}
