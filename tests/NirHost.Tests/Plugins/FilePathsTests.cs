using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Plugins;

/// <summary>
/// Plugin folders compared as the file system compares them: case-insensitively on Windows and macOS (checked here with
/// that comparison), case-sensitively on Linux, trailing separators ignored everywhere.
/// </summary>
public sealed class FilePathsTests : IDisposable
{
    private static readonly char Sep = Path.DirectorySeparatorChar;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void This_platform_compares_as_its_file_systems_do()
    {
        Assert.Equal(OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase, FilePaths.Comparison);
        Assert.Equal(FilePaths.Comparison == StringComparison.Ordinal, !FilePaths.Comparer.Equals("Plugins", "plugins"));
    }

    [Fact]
    public void Trailing_separators_and_relative_spellings_are_one_folder()
    {
        var plugins = Path.Combine(_folder.Path, "Plugins");
        Assert.Equal(plugins, FilePaths.Normalize(plugins + Sep));
        Assert.Equal(plugins, FilePaths.Normalize(plugins + Sep + Sep));
        Assert.Equal(plugins, FilePaths.Normalize(Path.Combine(_folder.Path, "x", "..", "Plugins") + Sep));
        Assert.Equal(Path.GetPathRoot(plugins), FilePaths.Normalize(Path.GetPathRoot(plugins)!));
    }

    [Fact]
    public void Plugin_roots_are_deduplicated_as_the_file_system_names_them()
    {
        var roots = new[] { Path.Combine(_folder.Path, "Plugins"), Path.Combine(_folder.Path, "plugins") + Sep, Path.Combine(_folder.Path, "Plugins") + Sep };

        Assert.Equal([Path.Combine(_folder.Path, "Plugins")], FilePaths.DistinctFolders(roots, StringComparison.OrdinalIgnoreCase));
        Assert.Equal([Path.Combine(_folder.Path, "Plugins"), Path.Combine(_folder.Path, "plugins")], FilePaths.DistinctFolders(roots, StringComparison.Ordinal));
    }

    [Fact]
    public void A_watched_folder_holds_its_files_in_any_case_and_not_its_namesakes()
    {
        var watched = Path.Combine(_folder.Path, "Plugins") + Sep;
        var assembly = Path.Combine(_folder.Path, "plugins", "Criteria", "Mine", "Mine.dll");

        Assert.True(FilePaths.IsUnder(assembly, watched, StringComparison.OrdinalIgnoreCase));
        Assert.False(FilePaths.IsUnder(assembly, watched, StringComparison.Ordinal));
        Assert.True(FilePaths.IsUnder(Path.Combine(_folder.Path, "Plugins", "a.dll"), watched, StringComparison.Ordinal));
        // A sibling whose name merely starts with the watched folder's is not inside it.
        Assert.False(FilePaths.IsUnder(Path.Combine(_folder.Path, "Plugins2", "a.dll"), watched, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Plugins_remove_matches_the_name_as_the_file_system_does()
    {
        var installed = Path.Combine(_folder.Path, "Criteria", "MyPlugin");
        Directory.CreateDirectory(installed);

        var refused = Assert.Throws<CommandLineException>(() => PluginPackages.Remove("myplugin", _folder.Path, StringComparison.Ordinal));
        Assert.Contains("plugins remove myplugin: no plugin of that name", refused.Message);
        Assert.True(Directory.Exists(installed));

        Assert.Equal(installed, PluginPackages.Remove("myplugin" + Sep, _folder.Path, StringComparison.OrdinalIgnoreCase));
        Assert.False(Directory.Exists(installed));
    }
}
