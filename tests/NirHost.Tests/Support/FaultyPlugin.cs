using NirHost.Host.Composition;
using NirHost.Host.Cli;
using NirHost.Host;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Tests.Support;

/// <summary>
/// The in-repo plugins plus the test criterion <c>faulty</c> (tests/TestPlugins/FaultyPlugin), which fails on
/// purpose at a chosen step, laid out in a temporary plugin tree.
/// </summary>
public sealed class FaultyPlugin : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly PluginLoaderPool _pool = new();

    public FaultyPlugin()
    {
        TestPlugins.Install(_root.Path, "NirHost.TestPlugins.Faulty", "Criteria");
        Catalog = _pool.Scan([_root.Path, HostHarness.PluginsFolder]);
        Assert.Empty(Catalog.Problems);
    }

    public PluginCatalog Catalog { get; }

    /// <summary>Steps per epoch of <see cref="MicroRun"/>: 4 training classes x 10 images in batches of 8.</summary>
    public const int MicroStepsPerEpoch = 5;

    /// <summary>Smaller still than <see cref="HostHarness.TinyRun"/>: fault tests need steps and epochs, not learning.</summary>
    public static string[] MicroRun(string savePath, params string[] overrides) => HostHarness.TinyRun(savePath,
    [
        "--synthetic_classes", "8", "--synthetic_samples_per_class", "10", "--synthetic_image_size", "16",
        "--convnet_width", "4", "--embed_dim", "16", "--bs", "8", "--samples_per_class", "2",
        "--evaluation_metrics", "e_recall@1", "--no_train_metrics",
        .. overrides,
    ]);

    /// <summary>Trains in-process; <paramref name="afterStep"/> sees every finished step as (epoch, steps done in it).</summary>
    public RunSummary Train(string[] args, CancellationToken cancellation = default, Action<int, int>? afterStep = null) =>
        HostHarness.Train(Catalog, RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), args), new RunCallbacks { Step = afterStep }, cancellation);

    public void Dispose()
    {
        _pool.Dispose();
        _root.Dispose();
    }
}
