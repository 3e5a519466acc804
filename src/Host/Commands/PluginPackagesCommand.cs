using NirHost.Host.Cli;
using NirHost.Host.Plugins;

namespace NirHost.Host.Commands;

/// <summary><c>nirhost plugins add PKG.nupkg</c> and <c>nirhost plugins remove NAME</c>: install into, or remove from, a plugins folder.</summary>
public static class PluginPackagesCommand
{
    /// <param name="args"><c>add PACKAGE</c> or <c>remove NAME</c>.</param>
    /// <param name="folder">The plugins folder to install into or remove from.</param>
    public static int Run(IReadOnlyList<string> args, string folder, TextWriter output)
    {
        var adding = args[0] == "add";
        if (args.Count != 2)
        {
            throw new CommandLineException($"nirhost plugins {args[0]} expects one {(adding ? "package (.nupkg)" : "plugin name")}.");
        }
        var changed = adding ? PluginPackages.Add(args[1], folder) : PluginPackages.Remove(args[1], folder);
        output.WriteLine($"{(adding ? "Installed" : "Removed")} {changed}");
        return 0;
    }
}
