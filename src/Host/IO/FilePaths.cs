namespace NirHost.Host.IO;

/// <summary>
/// Paths compared as the file system compares them. Windows (NTFS) and macOS (APFS and HFS+ as formatted by default)
/// ignore case, so <c>Plugins/MyPlugin</c> and <c>plugins/myplugin</c> are one folder there; Linux file systems do not.
/// The rules take the comparison as a parameter so that tests on Linux can check the case-insensitive behaviour.
/// </summary>
public static class FilePaths
{
    /// <summary>How this platform's file systems usually compare names.</summary>
    public static StringComparison Comparison { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>A comparer for keys that are paths or file names, per <see cref="Comparison"/>.</summary>
    public static StringComparer Comparer { get; } = StringComparer.FromComparison(Comparison);

    /// <summary>
    /// The full path without trailing separators, so that <c>plugins</c>, <c>plugins/</c> and <c>./plugins</c> are one key.
    /// A root (<c>/</c>, <c>C:\</c>) keeps its separator.
    /// </summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var trimmed = full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return trimmed.Length < root.Length ? root : trimmed;
    }

    /// <summary>The folders once each, in their first order, after <see cref="Normalize"/>, compared with <paramref name="comparison"/>.</summary>
    public static List<string> DistinctFolders(IEnumerable<string> folders, StringComparison comparison) =>
        [.. folders.Select(Normalize).Distinct(StringComparer.FromComparison(comparison))];

    /// <summary>True when <paramref name="path"/> lies inside <paramref name="folder"/> (not merely shares its name's prefix).</summary>
    public static bool IsUnder(string path, string folder, StringComparison comparison)
    {
        var prefix = Normalize(folder);
        if (!prefix.EndsWith(Path.DirectorySeparatorChar))
        {
            prefix += Path.DirectorySeparatorChar;
        }
        return Normalize(path).StartsWith(prefix, comparison);
    }
}
