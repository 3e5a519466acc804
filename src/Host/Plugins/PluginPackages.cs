using System.IO.Compression;
using NirHost.Abstractions;
using NirHost.Host.Cli;

namespace NirHost.Host.Plugins;

/// <summary>
/// <c>nirhost plugins add PACKAGE.nupkg</c> and <c>nirhost plugins remove NAME</c>. A plugin package (what
/// <c>dotnet pack</c> makes of a plugin project built on NirHost.Abstractions) holds the plugin's folder,
/// its private dependencies included, under <c>nirhost/&lt;Kind&gt;/&lt;PluginName&gt;/</c>.
/// </summary>
public static class PluginPackages
{
    private const string Prefix = "nirhost/";

    /// <summary>Installs the package into <c>root/&lt;Kind&gt;/&lt;PluginName&gt;/</c>, replacing an installed version. Returns that folder.</summary>
    public static string Add(string packagePath, string root)
    {
        if (!File.Exists(packagePath))
        {
            throw new CommandLineException($"plugins add {packagePath}: no such file.");
        }
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(packagePath);
        }
        catch (InvalidDataException)
        {
            throw new CommandLineException($"plugins add {packagePath}: not a NuGet package (not a zip archive).");
        }
        using (archive)
        {
            var files = archive.Entries
                .Where(e => e.FullName.StartsWith(Prefix, StringComparison.Ordinal) && !e.FullName.EndsWith('/'))
                .Select(e => (Entry: e, Parts: e.FullName[Prefix.Length..].Split('/')))
                .Where(f => f.Parts.Length >= 3)
                .ToList();
            var plugins = files.Select(f => (Kind: f.Parts[0], Name: f.Parts[1])).Distinct().ToList();
            if (plugins.Count != 1)
            {
                throw new CommandLineException(plugins.Count == 0
                    ? $"plugins add {packagePath}: the package holds no NirHost plugin (no nirhost/<Kind>/<PluginName>/ folder). Pack a project that references NirHost.Abstractions and sets NirHostPluginKind, as the nir-* templates do."
                    : $"plugins add {packagePath}: the package holds {plugins.Count} plugins ({string.Join(", ", plugins.Select(p => p.Kind + "/" + p.Name))}); expected one.");
            }
            var (kindFolder, name) = plugins[0];
            if (!ComponentKinds.TryParseFolder(kindFolder, out var kind))
            {
                throw new CommandLineException($"plugins add {packagePath}: '{kindFolder}' is not a kind of component (expected {string.Join(", ", Enum.GetValues<ComponentKind>().Select(k => k.FolderName()))}).");
            }

            var target = Path.GetFullPath(Path.Combine(root, kind.FolderName(), name));
            var staging = target + ".installing";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            Directory.CreateDirectory(staging);
            try
            {
                foreach (var (entry, parts) in files)
                {
                    var destination = Path.GetFullPath(Path.Combine([staging, .. parts[2..]]));
                    if (!destination.StartsWith(staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    {
                        throw new CommandLineException($"plugins add {packagePath}: entry {entry.FullName} points outside the plugin folder.");
                    }
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    entry.ExtractToFile(destination, overwrite: true);
                }
                var assembly = Path.Combine(staging, name + ".dll");
                if (!File.Exists(assembly))
                {
                    throw new CommandLineException($"plugins add {packagePath}: the plugin folder lacks its assembly {name}.dll.");
                }
                if (PluginLoaderPool.IncompatibleContracts(assembly) is { } incompatible)
                {
                    throw new CommandLineException($"plugins add {packagePath}: {name} is {incompatible}");
                }
                if (Directory.Exists(target))
                {
                    Directory.Delete(target, recursive: true);
                }
                Directory.Move(staging, target);
                return target;
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }
    }

    /// <summary>Removes the plugin folder named <paramref name="name"/> from whichever Kind folder of <paramref name="root"/> holds it. Returns it.</summary>
    public static string Remove(string name, string root) => Remove(name, root, NirHost.Host.IO.FilePaths.Comparison);

    /// <summary>
    /// <see cref="Remove(string, string)"/> with the name compared by <paramref name="comparison"/>: as the file system
    /// compares names, so that on Windows and macOS <c>plugins remove myplugin</c> removes the folder <c>MyPlugin</c>.
    /// </summary>
    internal static string Remove(string name, string root, StringComparison comparison)
    {
        var installed = Enum.GetValues<ComponentKind>()
            .Select(kind => Path.Combine(root, kind.FolderName()))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetDirectories)
            .ToList();
        var match = installed.Where(folder => string.Equals(Path.GetFileName(folder), name.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar), comparison)).ToList();
        if (match.Count == 0)
        {
            throw new CommandLineException($"plugins remove {name}: no plugin of that name in {root}. Installed: " +
                (installed.Count == 0 ? "none" : string.Join(", ", installed.Select(Path.GetFileName).Order(StringComparer.Ordinal))) + ".");
        }
        foreach (var folder in match)
        {
            Directory.Delete(folder, recursive: true);
        }
        return match[0];
    }
}
