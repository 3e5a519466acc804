using NirHost.Host.Cli;

namespace NirHost.Host.Plugins;

/// <summary>
/// The folders plugins are loaded from, in order of precedence: the <c>--plugins</c> folders as given, then the
/// user's plugin folder, then the folder beside the host. When one plugin assembly is found in several of them,
/// the first wins (<see cref="PluginLoaderPool.Scan"/>), so a plugin under development or one the user installed
/// replaces the copy that came with nirhost.
/// </summary>
/// <remarks>
/// The user folder exists because an installed nirhost's own folder is not the user's: <c>dotnet tool update</c>
/// replaces it, and with it anything <c>nirhost plugins add</c> had put there.
/// </remarks>
public sealed class PluginRoots
{
    /// <summary>Overrides the user plugin folder.</summary>
    public const string UserFolderVariable = "NIRHOST_PLUGINS";

    private PluginRoots(IReadOnlyList<string> given, string? user, string besideHost)
    {
        Given = given;
        User = user;
        BesideHost = besideHost;
    }

    /// <summary>The <c>--plugins</c> folders, in the order given.</summary>
    public IReadOnlyList<string> Given { get; }

    /// <summary>The user's plugin folder (it may not exist yet); null when the system names no home or data folder.</summary>
    public string? User { get; }

    /// <summary>The plugins folder the build lays out beside the host.</summary>
    public string BesideHost { get; }

    /// <summary>The folder beside the running host.</summary>
    public static string BesideHostFolder => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>
    /// The folders to scan, in precedence order: folders that do not exist are left out, except the one beside the
    /// host when nothing else is there, so that a missing installation is reported rather than silent.
    /// </summary>
    public IReadOnlyList<string> All
    {
        get
        {
            var all = new List<string>(Given);
            if (User is not null && Directory.Exists(User))
            {
                all.Add(User);
            }
            if (Directory.Exists(BesideHost) || all.Count == 0)
            {
                all.Add(BesideHost);
            }
            return all;
        }
    }

    /// <summary>Where <c>nirhost plugins add</c> installs and <c>plugins remove</c> removes: the first <c>--plugins</c> folder, else the user folder.</summary>
    public string InstallFolder => Given.Count > 0 ? Given[0]
        : User ?? throw new CommandLineException(
            $"nirhost has no user plugin folder here (no home or local data folder is known): set {UserFolderVariable} to one, or give --plugins DIR.");

    /// <summary>
    /// The user plugin folder: <c>$NIRHOST_PLUGINS</c> when set, else <c>nirhost/plugins</c> in the user's local data
    /// folder: <c>$XDG_DATA_HOME</c> or <c>~/.local/share</c> on Linux, <c>~/Library/Application Support</c> on macOS,
    /// <c>%LOCALAPPDATA%</c> on Windows.
    /// </summary>
    public static string? UserFolder(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment(UserFolderVariable) is { Length: > 0 } overridden)
        {
            return Path.GetFullPath(overridden);
        }
        // .NET reads XDG_DATA_HOME here on Linux, and falls back to ~/.local/share.
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return data.Length == 0 ? null : Path.Combine(data, "nirhost", "plugins");
    }

    /// <summary>
    /// Takes every <c>--plugins DIR</c> (or <c>--plugins=DIR</c>) out of the arguments; each must be an existing folder.
    /// </summary>
    public static (PluginRoots Roots, List<string> Remaining) Split(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        var given = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--plugins")
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CommandLineException("--plugins expects a folder.");
                }
                given.Add(args[++i]);
            }
            else if (args[i].StartsWith("--plugins=", StringComparison.Ordinal))
            {
                given.Add(args[i]["--plugins=".Length..]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        foreach (var root in given)
        {
            if (root.Length == 0 || !Directory.Exists(root))
            {
                throw new CommandLineException($"--plugins {root}: no such folder.");
            }
        }
        return (new PluginRoots(given, UserFolder(environment), BesideHostFolder), rest);
    }
}
