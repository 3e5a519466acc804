using Microsoft.Extensions.Logging;
using NirHost.Imaging;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Reads <c>images/&lt;class folder&gt;/&lt;image&gt;</c> trees as the original lists them (macOS "._" entries left out),
/// also leaving out hidden and operating-system files, which folders copied from a desktop carry.
/// </summary>
/// <remarks>
/// Junk is recognised by name and attribute rather than by reading only image extensions: the original reads every file
/// of a class folder, real datasets hold images named <c>.JPEG</c>, <c>.jpeg</c>, <c>.png</c> or without an extension, and an
/// extension list would drop such images silently. Anything else that is not an image still stops the run with an
/// error naming it (or is skipped and counted with <c>--skip_unreadable_images</c>).
/// </remarks>
internal static class ClassFolders
{
    /// <summary>Hidden and system entries (<see cref="ImageSources.IsJunk"/>): the rule <c>embed --images</c> folders follow too.</summary>
    internal static bool IsJunk(FileSystemInfo entry) => ImageSources.IsJunk(entry);

    /// <summary>The <c>images</c> folder of <paramref name="datasetFolder"/>, or an error naming what is missing.</summary>
    public static string ImagesFolder(string datasetFolder, string dataset)
    {
        if (!Directory.Exists(datasetFolder))
        {
            throw new DirectoryNotFoundException(
                $"Dataset folder {datasetFolder} does not exist (--source_path/{dataset}); see the README for the expected layout.");
        }
        var images = Path.Combine(datasetFolder, "images");
        if (!Directory.Exists(images))
        {
            throw new DirectoryNotFoundException($"Dataset folder {datasetFolder} has no 'images' folder.");
        }
        return images;
    }

    /// <summary>Class folder names in <paramref name="images"/>, unordered; hidden and system folders are added to <paramref name="leftOut"/>.</summary>
    public static List<string> ClassNames(string images, LeftOut leftOut) =>
        new DirectoryInfo(images).EnumerateDirectories().Where(folder => !leftOut.Junk(folder)).Select(folder => folder.Name).ToList();

    /// <summary>
    /// The class's image files in Python's sorted order, hidden and system files added to <paramref name="leftOut"/>;
    /// an empty class is an error naming its folder.
    /// </summary>
    public static ClassImages Read(string images, string className, LeftOut leftOut)
    {
        var folder = Path.Combine(images, className);
        var before = leftOut.Count;
        var files = new DirectoryInfo(folder).EnumerateFiles()
            .Where(file => !leftOut.Junk(file))
            .Select(file => Path.Combine(folder, file.Name))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            var junk = leftOut.Count - before;
            throw new InvalidDataException($"Class folder {folder} contains no images" +
                (junk > 0 ? $" (only {junk} hidden or system file(s), which are left out)." : "."));
        }
        return new ClassImages(className, files);
    }

    /// <summary>Counts the entries left out of a scan, to tell the user once how many there were.</summary>
    public sealed class LeftOut
    {
        public int Count { get; private set; }

        public string? First { get; private set; }

        /// <summary>Counts an entry already known to be junk (<see cref="ImageSources.Resolve"/> reports them).</summary>
        internal void Add(FileSystemInfo entry)
        {
            Count++;
            First ??= entry.FullName;
        }

        internal bool Junk(FileSystemInfo entry)
        {
            if (!IsJunk(entry))
            {
                return false;
            }
            Count++;
            First ??= entry.FullName;
            return true;
        }

        /// <summary>One notice when anything was left out, so that a user looking for a missing image knows why.</summary>
        public void Log(ILogger logger, string dataset)
        {
            if (Count > 0)
            {
                logger.LogInformation("{Dataset}: left out {Count} hidden or system files and folders (.DS_Store, Thumbs.db, desktop.ini, ...), the first: {First}",
                    dataset, Count, First);
            }
        }
    }

    /// <summary>The original's split of the sorted classes: the first half trains, the second half tests.</summary>
    public static (List<ClassImages> Training, List<ClassImages> Testing) Halves(IReadOnlyList<ClassImages> classes, string folder)
    {
        if (classes.Count < 2)
        {
            throw new InvalidDataException($"{folder} holds {classes.Count} class folder(s); training and test need at least one class each.");
        }
        var half = classes.Count / 2;
        return ([.. classes.Take(half)], [.. classes.Skip(half)]);
    }
}
