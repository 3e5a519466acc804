namespace NirHost.Imaging;

/// <summary>
/// The image files a folder or a list file names, as <c>nirhost embed --images</c> reads them with either model (the
/// <c>images</c> dataset of a run, or an ONNX model): every file under a folder, recursively, in ordinal path order,
/// hidden and operating-system files left out; or every path listed in a text file, one per line, relative to the file's
/// folder, blank lines and lines starting with '#' ignored.
/// </summary>
/// <remarks>
/// Junk is recognised by name and attribute rather than by reading only image extensions: real datasets hold images named
/// <c>.JPEG</c>, <c>.jpeg</c>, <c>.png</c> or without an extension, and an extension list would drop such images silently.
/// </remarks>
public static class ImageSources
{
    /// <summary>
    /// Files written by Windows Explorer (thumbnail caches, folder settings) and macOS Finder (custom folder icons) that
    /// need not carry the hidden attribute once copied to another system. Dot-files such as <c>.DS_Store</c> are
    /// hidden by name.
    /// </summary>
    private static readonly HashSet<string> SystemFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "Thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "Icon\r", "$RECYCLE.BIN", "System Volume Information",
    };

    /// <summary>
    /// True for an entry that is no class and no image: hidden (a name starting with '.' on Unix, the hidden or system
    /// attribute on Windows), a known system file, or the original's "._" rule (AppleDouble files).
    /// </summary>
    public static bool IsJunk(FileSystemInfo entry) =>
        (entry.Attributes & (FileAttributes.Hidden | FileAttributes.System)) != 0
        || entry.Name.StartsWith('.')
        || entry.Name.Contains("._", StringComparison.Ordinal)
        || SystemFiles.Contains(entry.Name);

    /// <summary>
    /// The full paths <paramref name="source"/> names: a folder's files or a list file's entries. <paramref name="flag"/>
    /// names where the source came from in errors (<c>--images</c>, <c>--source_path</c>); <paramref name="leftOut"/> hears
    /// of every hidden or system entry skipped in a folder.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string source, string flag, Action<FileSystemInfo>? leftOut = null)
    {
        source = Path.GetFullPath(source);
        if (Directory.Exists(source))
        {
            List<string> paths = [.. Files(new DirectoryInfo(source), leftOut).Order(StringComparer.Ordinal)];
            return paths.Count > 0 ? paths : throw new InvalidDataException($"{flag} {source} holds no image files.");
        }
        if (File.Exists(source))
        {
            return ListFile(source);
        }
        throw new FileNotFoundException($"{flag} {source}: no such folder or list file.", source);
    }

    private static IEnumerable<string> Files(DirectoryInfo folder, Action<FileSystemInfo>? leftOut)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (IsJunk(entry))
            {
                leftOut?.Invoke(entry);
                continue;
            }
            if (entry is DirectoryInfo child)
            {
                foreach (var file in Files(child, leftOut))
                {
                    yield return file;
                }
            }
            else
            {
                yield return entry.FullName;
            }
        }
    }

    private static List<string> ListFile(string list)
    {
        var folder = Path.GetDirectoryName(list)!;
        var paths = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(list))
        {
            lineNumber++;
            var entry = line.Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
            {
                continue;
            }
            var path = Path.GetFullPath(Path.Combine(folder, entry));
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{list}, line {lineNumber}: {entry} does not exist ({path}).", path);
            }
            paths.Add(path);
        }
        return paths.Count > 0 ? paths : throw new InvalidDataException($"{list} lists no images.");
    }
}
