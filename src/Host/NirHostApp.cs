using NirHost.Host.Cli;

namespace NirHost.Host;

/// <summary>Where the <c>nirhost</c> command looks for plugins.</summary>
public static class NirHostApp
{
    /// <summary>The plugins folder the build lays out beside the host.</summary>
    public static string DefaultPluginsFolder => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>
    /// Takes every <c>--plugins DIR</c> (or <c>--plugins=DIR</c>) out of the arguments. The roots are the given
    /// folders, in order, then the folder beside the host.
    /// </summary>
    public static (List<string> Roots, List<string> Remaining) SplitPluginRoots(IReadOnlyList<string> args)
    {
        var roots = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--plugins")
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CommandLineException("--plugins expects a folder.");
                }
                roots.Add(args[++i]);
            }
            else if (args[i].StartsWith("--plugins=", StringComparison.Ordinal))
            {
                roots.Add(args[i]["--plugins=".Length..]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        foreach (var root in roots)
        {
            if (root.Length == 0 || !Directory.Exists(root))
            {
                throw new CommandLineException($"--plugins {root}: no such folder.");
            }
        }
        // Given folders add to the plugins laid out beside the host, so a plugin of one's own trains with the built-in ones.
        if (Directory.Exists(DefaultPluginsFolder) || roots.Count == 0)
        {
            roots.Add(DefaultPluginsFolder);
        }
        return (roots, rest);
    }
}
