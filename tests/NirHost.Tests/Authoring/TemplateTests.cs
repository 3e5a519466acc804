using System.Diagnostics;
using NirHost.Host.Commands;
using NirHost.Host.Plugins;
using NirHost.Testing;
using NirHost.Tests.Support;

namespace NirHost.Tests.Authoring;

/// <summary>
/// The plugin author's path end to end: install the template pack into a private <c>dotnet new</c> home,
/// scaffold every template, build them, pass check-plugin, train with the scaffolded components, pack a plugin
/// and install it with <c>nirhost plugins add</c>. One test, because the builds dominate its cost.
/// </summary>
public sealed class TemplateTests : IDisposable
{
    private static readonly (string Template, string Name, string KindFolder)[] Templates =
    [
        ("nir-criterion", "MyLoss", "Criteria"),
        ("nir-batchminer", "MyMiner", "BatchMiners"),
        ("nir-sampler", "MySampler", "Samplers"),
        ("nir-dataset", "MyData", "Datasets"),
        ("nir-metric", "MyMetric", "Metrics"),
        ("nir-architecture", "MyNet", "Architectures"),
    ];

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Every_template_scaffolds_builds_passes_check_plugin_and_trains()
    {
        var clock = Stopwatch.StartNew();
        var package = Assert.Single(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "templates"), "NirHost.Templates.*.nupkg"));
        var hive = Path.Combine(_work.Path, "hive");
        Assert.Contains("NirHost.Templates", DotnetCli.Run(_work.Path, null, "new", "install", package, "--debug:custom-hive", hive));

        var generated = Path.Combine(_work.Path, "gen");
        foreach (var (template, name, _) in Templates)
        {
            DotnetCli.Run(_work.Path, null, "new", template, "-n", name, "-o", Path.Combine(generated, name), "--debug:custom-hive", hive);
        }
        var readme = File.ReadAllText(Path.Combine(generated, "MyLoss", "README.md"));
        Assert.Contains("dotnet build", readme);
        Assert.Contains("dotnet test", readme);
        Assert.Contains("nirhost --plugins plugins --loss myloss", readme);

        // All six plugin projects in one build; the scaffolded test projects would each copy libtorch (1 GB).
        File.WriteAllText(Path.Combine(generated, "all.slnx"),
            "<Solution>" + string.Concat(Templates.Select(t => $"<Project Path=\"{t.Name}/src/{t.Name}/{t.Name}.csproj\" />")) + "</Solution>");
        DotnetCli.Run(generated, NuGetIsolation(), ["build", "all.slnx", "-nodeReuse:false", .. FallbackFolder()]);
        var built = clock.Elapsed;

        using var pool = new PluginLoaderPool();
        foreach (var (_, name, kindFolder) in Templates)
        {
            var folder = Path.Combine(generated, name, "plugins", kindFolder, name);
            Assert.True(File.Exists(Path.Combine(folder, name + ".dll")), $"the build did not lay {name} out in {folder}");
            Assert.DoesNotContain(Directory.GetFiles(folder, "*", SearchOption.AllDirectories),
                f => Path.GetFileName(f) is "TorchSharp.dll" or "NirHost.Abstractions.dll" or "libLibTorchSharp.so");

            var catalog = pool.ScanPath(folder);
            var component = Assert.Single(catalog.Components);
            Assert.Equal(name.ToLowerInvariant(), component.Name);
            var results = CheckPluginCommand.Check(catalog, []);
            Assert.True(!results.Any(r => r.Failed), string.Join(Environment.NewLine, results.Where(r => r.Failed)));
        }

        // One epoch with the scaffolded criterion, sampler, dataset, architecture and metric together.
        var roots = Templates.Select(t => Path.Combine(generated, t.Name, "plugins")).Append(HostHarness.PluginsFolder).ToList();
        var run = pool.Scan(roots);
        Assert.Empty(run.Problems);
        var summary = Host.NirHostApp.Train(run, Host.NirHostApp.Parse(Host.NirHostApp.BuildFlags(run),
            [
                "--loss", "myloss", "--data_sampler", "mysampler", "--dataset", "mydata", "--mydata_classes", "8", "--mydata_samples_per_class", "10",
                "--arch", "mynet_normalize", "--embed_dim", "16", "--evaluation_metrics", "mymetric", "e_recall@1",
                "--bs", "8", "--samples_per_class", "2", "--n_epochs", "1", "--lr", "0.001", "--decay", "0", "--device", "cpu",
                "--save_path", Path.Combine(_work.Path, "runs"), "--savename", "scaffolded",
            ]), new Host.Training.TrainingReporter(Spectre.Console.AnsiConsole.Console, quiet: true));
        Assert.Equal(1, summary.Epochs);
        var metric = summary.Metrics["Test"]["mymetric"].Last;
        Assert.InRange(metric, 0, 1);

        // The criterion plugin as a package, installed into another plugins folder and removed again.
        DotnetCli.Run(generated, NuGetIsolation(), ["pack", "MyLoss/src/MyLoss", "--no-build", "-c", "Debug", "-o", Path.Combine(_work.Path, "packages"), "-nodeReuse:false", .. FallbackFolder()]);
        var nupkg = Assert.Single(Directory.GetFiles(Path.Combine(_work.Path, "packages"), "MyLoss.*.nupkg"));
        var installed = Path.Combine(_work.Path, "installed");
        var folderOfPlugin = PluginPackages.Add(nupkg, installed);
        Assert.Equal(Path.Combine(installed, "Criteria", "MyLoss"), folderOfPlugin);
        using (var fresh = new PluginLoaderPool())
        {
            Assert.Equal("myloss", Assert.Single(fresh.Scan([installed]).Components).Name);
        }
        PluginPackages.Remove("MyLoss", installed);
        Assert.False(Directory.Exists(folderOfPlugin));

        Console.WriteLine($"template test: built after {built.TotalSeconds:0} s, done after {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// A private package cache, so the NirHost packages this build just made are the ones restored (a shared
    /// cache keeps the first copy of a version forever).
    /// </summary>
    private Dictionary<string, string> NuGetIsolation() => new() { ["NUGET_PACKAGES"] = Path.Combine(_work.Path, "nuget") };

    /// <summary>The user's package cache as a read-only fallback for TorchSharp and friends, unless it holds NirHost packages that may be stale.</summary>
    private static string[] FallbackFolder()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(cache) && !Directory.Exists(Path.Combine(cache, "nirhost.abstractions")) && !Directory.Exists(Path.Combine(cache, "nirhost.testing"))
            ? [$"-p:RestoreFallbackFolders={cache}"]
            : [];
    }
}
