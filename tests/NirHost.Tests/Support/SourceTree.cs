namespace NirHost.Tests.Support;

/// <summary>
/// Copies the repository's working tree as a fresh clone has it: every file but what .gitignore leaves out (build
/// output, packed artifacts) and git's own folder. Uncommitted changes come along, so a test checks the tree it runs from.
/// </summary>
public static class SourceTree
{
    public static void Copy(string root, string target)
    {
        var (ignoredFolderNames, ignoredPaths, ignoredExtensions) = ReadGitIgnore(Path.Combine(root, ".gitignore"));
        ignoredFolderNames.Add(".git");
        CopyFolder(root, target, "");

        void CopyFolder(string from, string to, string relative)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from))
            {
                if (!ignoredExtensions.Contains(Path.GetExtension(file)))
                {
                    File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
                }
            }
            foreach (var folder in Directory.GetDirectories(from))
            {
                var name = Path.GetFileName(folder);
                var path = relative + name + "/";
                if (!ignoredFolderNames.Contains(name) && !ignoredPaths.Contains(path) && (File.GetAttributes(folder) & FileAttributes.ReparsePoint) == 0)
                {
                    CopyFolder(folder, Path.Combine(to, name), path);
                }
            }
        }
    }

    /// <summary>
    /// The three kinds of pattern the repository's .gitignore uses: a folder name (<c>bin/</c>), a folder path
    /// (<c>templates/content/_packages/</c>) and a file extension (<c>*.swp</c>). Any other pattern is an error, so
    /// that the copy never quietly carries something git would leave out.
    /// </summary>
    private static (HashSet<string> FolderNames, HashSet<string> FolderPaths, HashSet<string> Extensions) ReadGitIgnore(string path)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var extensions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.EndsWith('/') && line.IndexOfAny(['*', '?', '[', '!']) < 0)
            {
                var folder = line.Trim('/');
                if (folder.Contains('/'))
                {
                    paths.Add(folder + "/");
                }
                else
                {
                    names.Add(folder);
                }
            }
            else if (line.StartsWith("*.", StringComparison.Ordinal) && line.IndexOfAny(['/', '*', '?', '['], 1) < 0)
            {
                extensions.Add(line[1..]);
            }
            else
            {
                throw new NotSupportedException($"{path}: the pattern '{line}' is not one SourceTree understands (folder name/, folder/path/, *.ext); teach it before using it.");
            }
        }
        return (names, paths, extensions);
    }
}
