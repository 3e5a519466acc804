namespace NirHost.Plugins.Datasets;

/// <summary>Reads <c>images/&lt;class folder&gt;/&lt;image&gt;</c> trees as the original lists them (macOS "._" entries left out).</summary>
internal static class ClassFolders
{
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

    /// <summary>Class folder names in <paramref name="images"/>, unordered.</summary>
    public static List<string> ClassNames(string images) =>
        Directory.EnumerateDirectories(images).Select(Path.GetFileName).OfType<string>().Where(name => !name.Contains("._", StringComparison.Ordinal)).ToList();

    /// <summary>The class's image files in Python's sorted order; an empty class is an error naming its folder.</summary>
    public static ClassImages Read(string images, string className)
    {
        var folder = Path.Combine(images, className);
        var files = Directory.EnumerateFiles(folder)
            .Where(path => !Path.GetFileName(path).Contains("._", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"Class folder {folder} contains no images.");
        }
        return new ClassImages(className, files);
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
