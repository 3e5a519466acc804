using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Your own images. <c>--source_path</c> is either a folder with one sub-folder per class (the ImageFolder layout; images
/// anywhere below a class folder, hidden and system files left out), split by <c>--folder_split</c>, or a CSV file
/// (<see cref="ImageListCsv"/>) whose rows name each image's class and split, and optionally whether a held-out image is a
/// query or in the gallery.
/// </summary>
[Dataset("folder", Options = typeof(FolderDatasetOptions),
    Description = "Your own images: --source_path is a folder with one sub-folder per class (split by --folder_split) or a CSV file (path,label,split[,is_query,is_gallery]).")]
public sealed class FolderDataset(DataSettings data, FolderDatasetOptions options, InputContract input, ILogger<FolderDataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        var source = data.SourcePath;
        var builder = new ImageDatasetBuilder(data, options, input, logger);
        if (File.Exists(source))
        {
            if (options.FolderSplit != FolderDatasetOptions.Half)
            {
                throw new ArgumentException($"--folder_split {options.FolderSplit} applies to a class-folder tree; the CSV {source} splits by its 'split' column.");
            }
            var list = ImageListCsv.Read(source);
            return list.Query is { } query
                ? builder.BuildQueryGallery("folder", list.Training, query, list.Gallery!)
                : builder.Build("folder", list.Training, list.Testing!);
        }
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException(
                $"--source_path {source} does not exist. --dataset folder reads your data there: a folder with one sub-folder per class, or a CSV file.");
        }
        var leftOut = new ClassFolders.LeftOut();
        var classes = ClassFolders.ClassNames(source, leftOut).Order(StringComparer.Ordinal)
            .Select(name => ReadClass(source, name, leftOut)).ToList();
        leftOut.Log(logger, "folder");
        var (training, testing) = options.FolderSplit == FolderDatasetOptions.Half
            ? ClassFolders.Halves(classes, source)
            : ByList(classes, options.FolderSplit, source);
        return builder.Build("folder", training, testing);
    }

    /// <summary>A class folder's images at any depth (as ImageFolder finds them), in ordinal order of their relative paths.</summary>
    private static ClassImages ReadClass(string root, string name, ClassFolders.LeftOut leftOut)
    {
        var folder = Path.Combine(root, name);
        var files = new List<string>();
        void Walk(DirectoryInfo directory)
        {
            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                if (leftOut.Junk(entry))
                {
                    continue;
                }
                if (entry is DirectoryInfo child)
                {
                    Walk(child);
                }
                else
                {
                    files.Add(entry.FullName);
                }
            }
        }
        Walk(new DirectoryInfo(folder));
        if (files.Count == 0)
        {
            throw new InvalidDataException($"Class folder {folder} contains no images (hidden and system files do not count).");
        }
        return new ClassImages(name, [.. files.OrderBy(path => Path.GetRelativePath(folder, path), StringComparer.Ordinal)]);
    }

    /// <summary>The classes named in <paramref name="listFile"/> train, the others test; a name that is no class folder is an error naming its line.</summary>
    private static (List<ClassImages> Training, List<ClassImages> Testing) ByList(List<ClassImages> classes, string listFile, string root)
    {
        if (!File.Exists(listFile))
        {
            throw new FileNotFoundException(
                $"--folder_split {listFile}: no such file (give 'half', or a text file naming the training class folders, one a line).", listFile);
        }
        var byName = classes.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var named = new HashSet<string>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(listFile);
        for (var i = 0; i < lines.Length; i++)
        {
            var name = lines[i].Trim();
            if (name.Length == 0 || name.StartsWith('#'))
            {
                continue;
            }
            if (!byName.ContainsKey(name))
            {
                throw new InvalidDataException($"--folder_split {listFile}, line {i + 1}: '{name}' is not a class folder of {root}.");
            }
            named.Add(name);
        }
        var training = classes.Where(c => named.Contains(c.Name)).ToList();
        var testing = classes.Where(c => !named.Contains(c.Name)).ToList();
        if (training.Count == 0 || testing.Count == 0)
        {
            throw new InvalidDataException($"--folder_split {listFile} names {training.Count} of the {classes.Count} class folders of {root}; " +
                "training and test need at least one class each.");
        }
        return (training, testing);
    }
}
