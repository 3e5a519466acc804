using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Images without labels, for <c>nirhost embed --images</c>: every file under <c>--source_path</c> when it is a folder
/// (searched recursively, in sorted path order, hidden and system files left out), or every path listed in it when it is
/// a text file (one per line, relative to the file's folder; blank lines and lines starting with '#' ignored). One class
/// holds them all, and every split is that class: the images are prepared with the evaluation transform.
/// </summary>
[Dataset("images", Options = typeof(ImageDatasetOptions),
    Description = "Unlabelled images to embed: a folder (recursive) or a list file of paths as --source_path; one split, no training.")]
public sealed class ImageListDataset(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger<ImageListDataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        var source = Path.GetFullPath(data.SourcePath);
        IReadOnlyList<string> paths;
        if (Directory.Exists(source))
        {
            var leftOut = new ClassFolders.LeftOut();
            paths = [.. Files(new DirectoryInfo(source), leftOut).Order(StringComparer.Ordinal)];
            leftOut.Log(logger, "images");
            if (paths.Count == 0)
            {
                throw new InvalidDataException($"--source_path {source} holds no image files.");
            }
        }
        else if (File.Exists(source))
        {
            paths = ListFile(source);
        }
        else
        {
            throw new FileNotFoundException($"--source_path {source}: no such folder or list file.", source);
        }
        var images = new ClassImages("images", paths);
        return new ImageDatasetBuilder(data, options, input, logger).Build("images", [images], [images]);
    }

    private static IEnumerable<string> Files(DirectoryInfo folder, ClassFolders.LeftOut leftOut)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (leftOut.Junk(entry))
            {
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
