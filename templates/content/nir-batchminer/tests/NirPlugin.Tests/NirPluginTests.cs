using NirHost.Abstractions;
using NirHost.Testing;
using static TorchSharp.torch;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_batch_miner_contract() => ConformanceKit.AssertConforms(typeof(NirPluginMiner));

    [Fact]
    public void It_declares_that_it_mines_triplets_under_its_name()
    {
        IBatchMiner miner = new NirPluginMiner(new NirPluginOptions());
        Assert.Equal(MinedKind.Triplets, miner.Mines);
        Assert.Equal("nirplugin", miner.Name);
    }

    [Fact]
    public void With_hardest_every_negative_is_the_anchors_nearest()
    {
        var embeddings = randn(12, 4, generator: new Generator(1));
        var labels = tensor(Enumerable.Range(0, 12).Select(i => (long)(i / 3)).ToArray());
        var miner = new NirPluginMiner(new NirPluginOptions { Hardest = true });

        var triplets = miner.Mine(embeddings, labels, new Random(0));

        var distances = cdist(embeddings, embeddings);
        Assert.Equal(12, triplets.Count);
        for (var t = 0; t < triplets.Count; t++)
        {
            var anchor = triplets.Anchors[t];
            var nearest = Enumerable.Range(0, 12).Where(i => i / 3 != anchor / 3).MinBy(i => distances[anchor, i].item<float>());
            Assert.Equal(nearest, triplets.Negatives[t]);
        }
    }
}
