using NirHost.Host.Composition;
using NirHost.Host.Cli;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NirHost.Host.Commands;
using NirHost.Host.Plugins;
using NirHost.Testing;
using NirHost.Tests.Support;

namespace NirHost.Tests.Authoring;

/// <summary>
/// The plugin author's path end to end: install the template pack into a private <c>dotnet new</c> home,
/// scaffold every template, build them with their test projects, run those tests (<c>dotnet test</c>), pass
/// check-plugin, run each README's train command, train with the scaffolded components, pack a plugin and install
/// it with <c>nirhost plugins add</c>. One test, because the builds dominate its cost.
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

        // All six plugins and their test projects in one build, as each README's `dotnet build` and `dotnet test` would.
        // Each test project carries libtorch (1 GB of native libraries): hard links from the package cache, not copies.
        File.WriteAllText(Path.Combine(generated, "all.slnx"),
            "<Solution>" + string.Concat(Templates.Select(t =>
                $"<Project Path=\"{t.Name}/src/{t.Name}/{t.Name}.csproj\" /><Project Path=\"{t.Name}/tests/{t.Name}.Tests/{t.Name}.Tests.csproj\" />")) + "</Solution>");
        string[] linkNatives = ["-p:CreateHardLinksForCopyLocalIfPossible=true", "-nodeReuse:false"];
        DotnetCli.Run(generated, NuGetIsolation(), ["build", "all.slnx", .. linkNatives, .. FallbackFolder()]);
        var built = clock.Elapsed;

        // The scaffolded tests (the conformance kit and the example's own test) run and pass.
        var tested = DotnetCli.Run(generated, NuGetIsolation(), ["test", "all.slnx", "--no-build", .. linkNatives]);
        foreach (var (_, name, _) in Templates)
        {
            var outcome = tested.Split('\n').FirstOrDefault(line => line.Contains($"- {name}.Tests.dll", StringComparison.Ordinal));
            Assert.True(outcome is not null, $"no test summary for {name}.Tests in:{Environment.NewLine}{tested}");
            var counts = System.Text.RegularExpressions.Regex.Match(outcome, @"Failed:\s*(\d+), Passed:\s*(\d+)");
            Assert.True(counts.Success && counts.Groups[1].Value == "0" && int.Parse(counts.Groups[2].Value) >= 2, outcome);
        }
        var testsRan = clock.Elapsed;

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

        // Every README's train command names installed components and valid flags; the miner's trains one epoch (a
        // criterion takes a plugin miner that mines what its allowed miners mine), on tiny data.
        var roots = Templates.Select(t => Path.Combine(generated, t.Name, "plugins")).Append(HostHarness.PluginsFolder).ToList();
        var run = pool.Scan(roots);
        Assert.Empty(run.Problems);
        string[] tiny =
        [
            "--synthetic_classes", "8", "--synthetic_samples_per_class", "10", "--convnet_width", "8", "--bs", "8", "--samples_per_class", "2",
            "--device", "cpu", "--save_path", Path.Combine(_work.Path, "runs"), "--savename", "readme",
        ];
        foreach (var (_, name, _) in Templates)
        {
            var command = ReadmeTrainCommand(Path.Combine(generated, name, "README.md"));
            RunValidation.Validate(RunCommandLine.Parse(RunCommandLine.BuildFlags(run), WithFlags(command, tiny)), run);
        }
        var log = new ListLogger();
        var mined = HostHarness.Train(run, RunCommandLine.Parse(RunCommandLine.BuildFlags(run),
            WithFlags(ReadmeTrainCommand(Path.Combine(generated, "MyMiner", "README.md")), tiny)),
            logging: b => b.AddProvider(log));
        Assert.Equal(1, mined.Epochs);
        Assert.Contains(log.Messages, m => m.Contains("--loss triplet with --batch_mining myminer: myminer is a plugin miner", StringComparison.Ordinal));

        // One epoch with the scaffolded criterion, sampler, dataset, architecture and metric together.
        var summary = HostHarness.Train(run, RunCommandLine.Parse(RunCommandLine.BuildFlags(run),
            [
                "--loss", "myloss", "--data_sampler", "mysampler", "--dataset", "mydata", "--mydata_classes", "8", "--mydata_samples_per_class", "10",
                "--arch", "mynet_normalize", "--embed_dim", "16", "--evaluation_metrics", "mymetric", "e_recall@1",
                "--bs", "8", "--samples_per_class", "2", "--n_epochs", "1", "--lr", "0.001", "--decay", "0", "--device", "cpu",
                "--save_path", Path.Combine(_work.Path, "runs"), "--savename", "scaffolded",
            ]));
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

        Console.WriteLine($"template test: built after {built.TotalSeconds:0} s, scaffolded tests done after {testsRan.TotalSeconds:0} s, " +
            $"all done after {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>The README's <c>nirhost --plugins plugins ...</c> line as arguments, without the plugins folder (the test scans its own).</summary>
    private static string[] ReadmeTrainCommand(string readme)
    {
        var line = File.ReadLines(readme).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("nirhost --plugins plugins ", StringComparison.Ordinal));
        Assert.True(line is not null, $"{readme} gives no `nirhost --plugins plugins ...` command");
        return line["nirhost --plugins plugins ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The command with each of <paramref name="flags"/> (flag, then its values) replacing the command's own value or added.</summary>
    private static string[] WithFlags(string[] command, string[] flags)
    {
        var parsed = new List<(string Flag, List<string> Values)>();
        foreach (var token in command.Concat(flags))
        {
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.RemoveAll(p => p.Flag == token);
                parsed.Add((token, []));
            }
            else
            {
                parsed[^1].Values.Add(token);
            }
        }
        return [.. parsed.SelectMany(p => p.Values.Prepend(p.Flag))];
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
