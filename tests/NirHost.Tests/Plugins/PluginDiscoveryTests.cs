using NirHost.Host.Composition;
using NirHost.Host.Cli;
using NirHost.Abstractions;
using NirHost.Host;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Plugins;

/// <summary>Plugin discovery over temporary plugin trees built from the test plugins.</summary>
public sealed class PluginDiscoveryTests : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly PluginLoaderPool _pool = new();

    public void Dispose()
    {
        _pool.Dispose();
        _root.Dispose();
    }

    private string Install(string project, string kindFolder, string? assemblyName = null) =>
        TestPlugins.Install(_root.Path, project, kindFolder, assemblyName);

    [Fact]
    public void A_plugin_in_its_kind_folder_is_found_with_its_options()
    {
        Install("NirHost.TestPlugins.Good", "Metrics");

        var catalog = _pool.Scan([_root.Path]);

        var component = Assert.Single(catalog.Components);
        Assert.Equal((ComponentKind.Metric, "constant", "NirHost.TestPlugins.Good"), (component.Kind, component.Name, component.PluginName));
        Assert.Empty(catalog.Problems);
        var flags = RunCommandLine.BuildFlags(catalog);
        Assert.True(flags.TryGet("constant_value", out var definitions));
        Assert.Equal(0.25, definitions[0].DefaultValue);
    }

    [Fact]
    public void A_component_in_the_wrong_kind_folder_is_rejected_naming_the_file_and_both_kinds()
    {
        Install("NirHost.TestPlugins.WrongKind", "Metrics");

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Components);
        var problem = Assert.Single(catalog.Problems);
        Assert.EndsWith(Path.Combine("Metrics", "NirHost.TestPlugins.WrongKind", "NirHost.TestPlugins.WrongKind.dll"), problem.Path);
        Assert.Contains("Criterion", problem.Reason);
        Assert.Contains("Metrics", problem.Reason);
    }

    [Fact]
    public void Two_components_of_one_kind_with_one_name_are_a_conflict_naming_both_assemblies()
    {
        Install("NirHost.TestPlugins.Duplicate", "Metrics");

        var catalog = _pool.Scan([_root.Path, HostHarness.PluginsFolder]);

        var conflict = Assert.Single(catalog.Conflicts);
        Assert.Contains("'e_recall'", conflict);
        Assert.Contains("NirHost.TestPlugins.Duplicate.dll", conflict);
        Assert.Contains("NirHost.Plugins.Metrics.dll", conflict);
        var run = RunCommandLine.Parse(RunCommandLine.BuildFlags(catalog), ["--dataset", "synthetic", "--arch", "convnet", "--loss", "oproxy"]);
        var error = Assert.Throws<NirHost.Host.Cli.CommandLineException>(() => RunValidation.Validate(run, catalog));
        Assert.Contains("NirHost.TestPlugins.Duplicate.dll", error.Message);
    }

    [Fact]
    public void A_broken_plugin_is_reported_with_its_path_while_the_others_load()
    {
        Install("NirHost.TestPlugins.Good", "Metrics");
        var broken = Path.Combine(_root.Path, "Criteria", "Broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "Broken.dll"), "this is not an assembly");

        var catalog = _pool.Scan([_root.Path]);

        Assert.Equal("constant", Assert.Single(catalog.Components).Name);
        var problem = Assert.Single(catalog.Problems);
        Assert.Equal(Path.Combine(broken, "Broken.dll"), problem.Path);
        Assert.False(string.IsNullOrWhiteSpace(problem.Reason));
    }

    [Fact]
    public void A_rebuilt_plugin_is_picked_up_by_the_next_scan_in_the_same_process()
    {
        const string assembly = "NirHost.TestPlugins.Reloadable";
        Install("NirHost.TestPlugins.Reloadable.V1", "Metrics", assembly);
        Assert.Equal("version 1", Assert.Single(_pool.Scan([_root.Path]).Components).Attribute.Description);

        using var reloaded = new ManualResetEventSlim();
        _pool.PluginReloaded += _ => reloaded.Set();
        Install("NirHost.TestPlugins.Reloadable.V2", "Metrics", assembly);
        Assert.True(reloaded.Wait(TimeSpan.FromSeconds(20)), "the loader did not notice the rebuilt plugin");

        var component = Assert.Single(_pool.Scan([_root.Path]).Components);
        Assert.Equal("version 2", component.Attribute.Description);
        Assert.Equal("2.0.0", component.AssemblyVersion);
    }

    [Fact]
    public void In_repo_plugins_share_the_hosts_contracts_and_carry_no_copy_of_them_or_of_libtorch()
    {
        var catalog = HostHarness.Catalog;
        Assert.Empty(catalog.Problems);
        Assert.Empty(catalog.Conflicts);
        foreach (var kind in Enum.GetValues<ComponentKind>())
        {
            Assert.NotEmpty(catalog.OfKind(kind));
            Assert.All(catalog.OfKind(kind), c => Assert.True(kind.ContractOf().IsAssignableFrom(c.Type)));
        }
        var files = Directory.GetFiles(HostHarness.PluginsFolder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain("TorchSharp.dll", files);
        Assert.DoesNotContain("NirHost.Abstractions.dll", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("libtorch", StringComparison.Ordinal) || f.StartsWith("libLibTorchSharp", StringComparison.Ordinal));
    }
}
