using NirHost.Abstractions;
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
        var first = new NirPluginDataset(options, new DataSettings(), InputContract.ImageNet).Load().Testing.LoadBatch([0, 5], null);
        var second = new NirPluginDataset(options, new DataSettings(), InputContract.ImageNet).Load().Testing.LoadBatch([0, 5], null);

        Assert.Equal(first.shape, second.shape);
        Assert.True(first.eq(second).all().item<bool>());
    }

    [Fact]
    public void A_one_channel_architecture_gets_one_channel_and_none_turns_flips_off()
    {
        var options = new NirPluginOptions { Classes = 4, SamplesPerClass = 3, ImageSize = 8 };
        var gray = new InputContract(0, 1, [0.5f], [0.25f]);
        var training = new NirPluginDataset(options, new DataSettings { Augmentation = "none" }, gray).Load().Training;

        var stored = training.LoadBatch([0, 1, 2, 3, 4, 5], null);
        Assert.Equal([6L, 1, 8, 8], stored.shape);
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.True(training.LoadBatch([0, 1, 2, 3, 4, 5], new Random(seed)).eq(stored).all().item<bool>());
        }
    }
}
