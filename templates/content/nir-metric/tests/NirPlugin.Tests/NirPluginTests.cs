using NirHost.Abstractions;
using NirHost.Testing;
using static TorchSharp.torch;

namespace NirPlugin.Tests;

public sealed class NirPluginTests
{
    /// <summary>The NirHost conformance kit: the checks `nirhost check-plugin` runs.</summary>
    [Fact]
    public void Conforms_to_the_metric_contract() => ConformanceKit.AssertConforms(typeof(NirPluginMetric));

    [Fact]
    public void Tight_separate_clusters_score_one()
    {
        // Three classes, three samples each, on three orthogonal directions.
        int[] labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        var embeddings = eye(3).index_select(0, tensor(labels.Select(l => (long)l).ToArray())) + 0.01 * rand(9, 3);
        var metric = new NirPluginMetric(new NirPluginOptions { K = 2 }, ComponentSpec.Plain("nirplugin"));

        Assert.Equal(1.0, metric.Compute(new NearestNeighbourData(embeddings, labels, 3)), 12);
    }
}
