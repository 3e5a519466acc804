using NirHost.Abstractions;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Plugins;

/// <summary>
/// Plugins given as source trees (plugin projects and their builds) rather than laid out, and one plugin found in
/// several plugins folders.
/// </summary>
public sealed class PluginSourceTreeTests : IDisposable
{
    private const string Good = "NirHost.TestPlugins.Good";
    private readonly TempFolder _root = new();
    private readonly PluginLoaderPool _pool = new();

    public void Dispose()
    {
        _pool.Dispose();
        _root.Dispose();
    }

    private string At(params string[] parts) => Path.Combine([_root.Path, .. parts]);

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void A_kind_folder_that_is_a_plugin_project_loads_its_build_and_its_source_folders_are_not_plugins()
    {
        // As this repository's plugins/Metrics: the project, source subfolders, obj/, and the build under bin/.
        Write(At("Metrics", Good + ".csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        Write(At("Metrics", "Shared", "Helpers.cs"), "// sources");
        Write(At("Metrics", "obj", "project.assets.json"), "{}");
        var build = TestPlugins.CopyBuild(Good, At("Metrics", "bin", "Release", "net10.0"));

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Problems);
        var component = Assert.Single(catalog.Components);
        Assert.Equal((ComponentKind.Metric, "constant"), (component.Kind, component.Name));
        Assert.Equal(Path.Combine(build, Good + ".dll"), component.AssemblyPath);
    }

    [Fact]
    public void The_newest_build_of_a_plugin_project_is_loaded_whatever_its_configuration()
    {
        // One project per plugin in a Kind folder; the project file does not name its assembly, its build does.
        Write(At("Metrics", "Versioned", "Versioned.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var debug = TestPlugins.CopyBuild("NirHost.TestPlugins.Reloadable.V1", At("Metrics", "Versioned", "bin", "Debug", "net10.0"));
        var release = TestPlugins.CopyBuild("NirHost.TestPlugins.Reloadable.V2", At("Metrics", "Versioned", "bin", "Release", "net10.0"));
        File.SetLastWriteTimeUtc(Path.Combine(release, "NirHost.TestPlugins.Reloadable.dll"), DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(Path.Combine(debug, "NirHost.TestPlugins.Reloadable.dll"), DateTime.UtcNow);

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Problems);
        Assert.Equal("version 1", Assert.Single(catalog.Components).Attribute.Description);
    }

    [Fact]
    public void A_scaffolded_tree_is_found_by_the_kind_its_project_declares_and_its_test_project_is_ignored()
    {
        Write(At("src", "MyMetric", "MyMetric.csproj"),
            "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><NirHostPluginKind>Metrics</NirHostPluginKind></PropertyGroup></Project>");
        TestPlugins.CopyBuild(Good, At("src", "MyMetric", "bin", "Debug", "net10.0"));
        Write(At("tests", "MyMetric.Tests", "MyMetric.Tests.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        TestPlugins.CopyBuild(Good, At("tests", "MyMetric.Tests", "bin", "Debug", "net10.0"));

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Problems);
        Assert.Equal("constant", Assert.Single(catalog.Components).Name);
    }

    [Fact]
    public void A_plugin_project_without_a_build_is_reported_with_the_command_that_builds_it()
    {
        var project = At("Criteria", "MyLoss", "MyLoss.csproj");
        Write(project, "<Project Sdk=\"Microsoft.NET.Sdk\" />");

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Components);
        var problem = Assert.Single(catalog.Problems);
        Assert.Equal(project, problem.Path);
        Assert.Contains("MyLoss.dll", problem.Reason);
        Assert.Contains($"dotnet build {At("Criteria", "MyLoss")}", problem.Reason);
    }

    [Fact]
    public void A_folder_in_a_kind_folder_with_neither_the_plugin_assembly_nor_a_project_is_still_reported()
    {
        TestPlugins.Install(_root.Path, Good, "Metrics");
        Write(At("Metrics", "Half", "Half.deps.json"), "{}");

        var catalog = _pool.Scan([_root.Path]);

        Assert.Equal("constant", Assert.Single(catalog.Components).Name);
        var problem = Assert.Single(catalog.Problems);
        Assert.Equal(At("Metrics", "Half"), problem.Path);
        Assert.Contains("expected the plugin assembly Half.dll", problem.Reason);
    }

    [Fact]
    public void One_plugin_in_two_plugins_folders_is_loaded_once_from_the_first()
    {
        var first = TestPlugins.Install(At("first"), Good, "Metrics");
        var second = TestPlugins.Install(At("second"), Good, "Metrics");

        var catalog = _pool.Scan([At("first"), At("second")]);

        Assert.Empty(catalog.Problems);
        Assert.Empty(catalog.Conflicts);
        Assert.Equal(Path.Combine(first, Good + ".dll"), Assert.Single(catalog.Components).AssemblyPath);
        var shadowed = Assert.Single(catalog.Shadowed);
        Assert.Equal((Path.Combine(second, Good + ".dll"), Path.Combine(first, Good + ".dll")), (shadowed.Path, shadowed.UsedInstead));
    }

    [Fact]
    public void The_repository_plugins_folder_before_the_plugins_beside_the_host_gives_each_component_once_from_the_sources()
    {
        var catalog = _pool.Scan([Repository.Plugins, HostHarness.PluginsFolder]);

        Assert.Empty(catalog.Problems);
        Assert.Empty(catalog.Conflicts);
        Assert.Equal(HostHarness.Catalog.Components.Select(c => (c.Kind, c.Name)).Order(), catalog.Components.Select(c => (c.Kind, c.Name)).Order());
        Assert.All(catalog.Components, c => Assert.StartsWith(Repository.Plugins + Path.DirectorySeparatorChar, c.AssemblyPath));
        // Each plugin beside the host is left for its source tree's build (and an older build of another configuration, if any, for the newest).
        Assert.Equal(Enum.GetValues<ComponentKind>().Length, catalog.Shadowed.Count(s => s.Path.StartsWith(HostHarness.PluginsFolder, StringComparison.Ordinal)));
        Assert.All(catalog.Shadowed, s => Assert.StartsWith(Repository.Plugins + Path.DirectorySeparatorChar, s.UsedInstead));
    }
}
