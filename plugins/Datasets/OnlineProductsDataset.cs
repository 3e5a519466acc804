using System.Globalization;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Stanford Online Products from <c>&lt;source_path&gt;/online_products</c>: <c>images/</c> plus
/// <c>Info_Files/Ebay_train.txt</c> and <c>Ebay_test.txt</c> (header <c>image_id class_id super_class_id path</c>).
/// The info files decide the split; classes are ordered by class id, images by their line order.
/// </summary>
[Dataset("online_products", Options = typeof(ImageDatasetOptions),
    Description = "Stanford Online Products (images/ + Info_Files/Ebay_train.txt, Ebay_test.txt); split by the info files.")]
public sealed class OnlineProductsDataset(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger<OnlineProductsDataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        var folder = Path.Combine(data.SourcePath, "online_products");
        var images = ClassFolders.ImagesFolder(folder, "online_products");
        var training = ReadInfoFile(Path.Combine(folder, "Info_Files", "Ebay_train.txt"), images);
        var testing = ReadInfoFile(Path.Combine(folder, "Info_Files", "Ebay_test.txt"), images);
        return new ImageDatasetBuilder(data, options, input, logger).Build("online_products", training, testing);
    }

    internal static List<ClassImages> ReadInfoFile(string file, string images)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"Stanford Online Products info file {file} does not exist.", file);
        }
        var lines = File.ReadAllLines(file);
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"{file} is empty; it should start with the header 'image_id class_id super_class_id path'.");
        }
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var classColumn = Array.IndexOf(header, "class_id");
        var pathColumn = Array.IndexOf(header, "path");
        if (classColumn < 0 || pathColumn < 0)
        {
            throw new InvalidDataException($"{file}: the header '{lines[0]}' lacks the class_id or path column.");
        }
        var byClass = new SortedDictionary<int, List<string>>();
        for (var number = 1; number < lines.Length; number++)
        {
            var line = lines[number];
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length <= Math.Max(classColumn, pathColumn)
                || !int.TryParse(fields[classColumn], NumberStyles.Integer, CultureInfo.InvariantCulture, out var classId))
            {
                throw new InvalidDataException($"{file}, line {number + 1}: '{line}' is not '<image_id> <class_id> <super_class_id> <path>'.");
            }
            var path = Path.Combine(images, fields[pathColumn]);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{file}, line {number + 1} names image {path}, which does not exist.", path);
            }
            if (!byClass.TryGetValue(classId, out var paths))
            {
                byClass[classId] = paths = [];
            }
            paths.Add(path);
        }
        if (byClass.Count == 0)
        {
            throw new InvalidDataException($"{file} lists no images.");
        }
        return [.. byClass.Select(pair => new ClassImages(pair.Key.ToString(CultureInfo.InvariantCulture), pair.Value))];
    }
}
