using System.IO.Compression;
using System.Text.Json.Nodes;
using NirHost.Host.Cli;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Plugins;

/// <summary>Where plugins are looked for and installed: --plugins folders, the user's plugin folder, the folder beside the host.</summary>
public sealed class PluginRootsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_folder.Path, name)).FullName;

    [Fact]
    public void Given_folders_come_first_then_the_user_folder_then_the_one_beside_the_host()
    {
        var user = Folder("user");
        var (roots, rest) = PluginRoots.Split(["--plugins", Folder("a"), "--loss", "oproxy", "--plugins=" + Folder("b")],
            name => name == PluginRoots.UserFolderVariable ? user : null);

        Assert.Equal(["--loss", "oproxy"], rest);
        Assert.Equal([Folder("a"), Folder("b"), user, PluginRoots.BesideHostFolder], roots.All);
        Assert.Equal(Folder("a"), roots.InstallFolder);
    }

    [Fact]
    public void Without_plugins_folders_packages_install_into_the_user_folder_even_before_it_exists()
    {
        var user = Path.Combine(_folder.Path, "not-yet");
        var (roots, _) = PluginRoots.Split(["plugins", "add", "x.nupkg"], name => name == PluginRoots.UserFolderVariable ? user : null);

        Assert.Equal(user, roots.InstallFolder);
        Assert.Equal([PluginRoots.BesideHostFolder], roots.All);
    }

    [Fact]
    public void The_user_folder_is_nirhost_plugins_in_the_local_data_folder_unless_overridden()
    {
        var folder = PluginRoots.UserFolder(_ => null);
        Assert.NotNull(folder);
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "nirhost", "plugins"), folder);
        Assert.Equal(Path.GetFullPath("elsewhere"), PluginRoots.UserFolder(_ => "elsewhere"));
    }

    [Fact]
    public void A_missing_plugins_folder_is_an_error_naming_it()
    {
        var missing = Path.Combine(_folder.Path, "missing");
        var error = Assert.Throws<CommandLineException>(() => PluginRoots.Split(["--plugins", missing]));
        Assert.Equal($"--plugins {missing}: no such folder.", error.Message);
    }

    /// <summary>A plugin package as <c>dotnet pack</c> of a plugin project makes it: the plugin folder under nirhost/&lt;Kind&gt;/&lt;Name&gt;/.</summary>
    private string Package(string project, string kindFolder)
    {
        var path = Path.Combine(_folder.Path, project + ".0.1.0.nupkg");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var file in Directory.GetFiles(TestPlugins.BuildOf(project)))
        {
            archive.CreateEntryFromFile(file, $"nirhost/{kindFolder}/{project}/{Path.GetFileName(file)}");
        }
        return path;
    }

    [Fact]
    public void Plugins_add_installs_into_the_user_folder_which_nirhost_then_loads_and_remove_takes_it_away()
    {
        const string good = "NirHost.TestPlugins.Good";
        var user = Path.Combine(_folder.Path, "user-plugins");
        var environment = new Dictionary<string, string> { [PluginRoots.UserFolderVariable] = user };
        var package = Package(good, "Metrics");

        var (exit, output, error) = DotnetCli.Nirhost(environment, "plugins", "add", package);
        Assert.True(exit == 0, error);
        Assert.Contains($"Installed {Path.Combine(user, "Metrics", good)}", output);

        (exit, output, error) = DotnetCli.Nirhost(environment, "plugins", "--json");
        Assert.True(exit == 0, error);
        var constant = JsonNode.Parse(output)!["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "constant")!;
        Assert.Equal(Path.Combine(user, "Metrics", good, good + ".dll"), constant["assembly"]!.GetValue<string>());

        (exit, _, error) = DotnetCli.Nirhost(environment, "plugins", "remove", good);
        Assert.True(exit == 0, error);
        Assert.False(Directory.Exists(Path.Combine(user, "Metrics", good)));
    }

    [Fact]
    public void Training_with_the_repository_plugins_folder_says_no_warning_and_lists_each_component_once()
    {
        var (exit, output, error) = DotnetCli.Nirhost(["--plugins", Repository.Plugins, .. FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "1")]);
        Assert.True(exit == 0, error);
        Assert.DoesNotContain("warning", error + output, StringComparison.OrdinalIgnoreCase);

        (exit, output, error) = DotnetCli.Nirhost("plugins", "--plugins", Repository.Plugins, "--json");
        Assert.True(exit == 0, error);
        var listing = JsonNode.Parse(output)!;
        var components = listing["components"]!.AsArray().Select(c => (Kind: c!["kind"]!.GetValue<string>(), Name: c["name"]!.GetValue<string>(),
            Assembly: c["assembly"]!.GetValue<string>())).ToList();
        Assert.Contains(components, c => c.Kind == "Criterion" && c.Name == "oproxy");
        Assert.Equal(components.Count, components.Select(c => (c.Kind, c.Name)).Distinct().Count());
        Assert.All(components, c => Assert.StartsWith(Repository.Plugins, c.Assembly));
        Assert.Empty(listing["problems"]!.AsArray());
    }
}
