using NirHost.Host.Cli;
using NirHost.Host;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Tests.Support;

/// <summary>Runs the host in-process with the plugins the build laid out beside the test runner.</summary>
public static class HostHarness
{
    public static string PluginsFolder => Path.Combine(AppContext.BaseDirectory, "plugins");

    private static readonly Lazy<(PluginLoaderPool Pool, PluginCatalog Catalog)> Shared = new(() =>
    {
        var pool = new PluginLoaderPool();
        return (pool, pool.Scan([PluginsFolder]));
    });

    public static PluginCatalog Catalog => Shared.Value.Catalog;

    public static RunConfiguration Parse(params string[] args) => RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), args);

    /// <summary>Tiny settings on the embedded dataset: seconds, not minutes.</summary>
    public static string[] TinyRun(string savePath, params string[] overrides) =>
    [
        "--dataset", "synthetic", "--synthetic_classes", "20", "--synthetic_samples_per_class", "30",
        "--arch", "convnet_normalize", "--convnet_width", "16", "--embed_dim", "32",
        "--loss", "oproxy", "--loss_oproxy_lrmulti", "100", "--lr", "0.003", "--decay", "0",
        "--bs", "40", "--samples_per_class", "4", "--n_epochs", "5",
        "--evaluation_metrics", "e_recall@1", "e_recall@2", "--device", "cpu",
        "--save_path", savePath, "--savename", "run",
        .. overrides,
    ];

    public static RunSummary Train(params string[] args) => Train(Catalog, Parse(args));

    /// <summary>Validates and trains a parsed run in-process, as the train command does.</summary>
    public static RunSummary Train(PluginCatalog catalog, RunConfiguration configuration, IRunObserver? observer = null,
        CancellationToken cancellation = default, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging = null) =>
        TrainingHost.Train(RunValidation.Validate(configuration, catalog), observer, cancellation, logging);
}
