using System.Globalization;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// DeepFashion In-Shop Clothes Retrieval from <c>&lt;source_path&gt;/inshop</c> (or <c>in-shop</c>, as the base
/// repository's README draws it): <c>Eval/list_eval_partition.txt</c> and the images it names (<c>img/WOMEN/...</c>,
/// under the dataset folder or its <c>Img</c> folder, as the download unpacks). The partition file starts with the
/// number of images and the header <c>image_name item_id evaluation_status</c>; status <c>train</c> images train,
/// <c>query</c> images are searched against the <c>gallery</c> images, as the benchmark defines its evaluation
/// (<see cref="DatasetSplits.Query"/>). Classes are items, ordered by item id.
/// </summary>
[Dataset("inshop", Options = typeof(ImageDatasetOptions),
    Description = "DeepFashion In-Shop Clothes Retrieval (img/ + Eval/list_eval_partition.txt); train items train, queries are searched against the gallery.")]
public sealed class InShopDataset(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger<InShopDataset> logger) : IDataset
{
    public const string PartitionFile = "Eval/list_eval_partition.txt";

    public DatasetSplits Load()
    {
        var folder = Path.Combine(data.SourcePath, "inshop");
        var alternative = Path.Combine(data.SourcePath, "in-shop");
        if (!Directory.Exists(folder) && Directory.Exists(alternative))
        {
            folder = alternative;
        }
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException(
                $"Dataset folder {folder} does not exist (--source_path/inshop, or --source_path/in-shop); see the README for the expected layout.");
        }
        var partition = ReadPartition(folder);
        return new ImageDatasetBuilder(data, options, input, logger).BuildQueryGallery("inshop", partition.Training, partition.Query, partition.Gallery);
    }

    /// <summary>The classes of the three parts; query and gallery list the same items in the same order.</summary>
    internal sealed record Partition(List<ClassImages> Training, List<ClassImages> Query, List<ClassImages> Gallery);

    internal static Partition ReadPartition(string folder)
    {
        var file = Path.Combine(folder, PartitionFile);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"In-Shop partition file {file} does not exist.", file);
        }
        // The download's img.zip unpacks img/ either into the dataset folder or into its Img folder.
        var imageRoot = !Directory.Exists(Path.Combine(folder, "img")) && Directory.Exists(Path.Combine(folder, "Img", "img"))
            ? Path.Combine(folder, "Img")
            : folder;
        var lines = File.ReadAllLines(file);
        if (lines.Length < 2 || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
        {
            throw new InvalidDataException($"{file}: line 1 should be the number of images, then line 2 the header 'image_name item_id evaluation_status'.");
        }
        var header = lines[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (header is not ["image_name", "item_id", "evaluation_status"])
        {
            throw new InvalidDataException($"{file}, line 2: the header '{lines[1]}' is not 'image_name item_id evaluation_status'.");
        }
        var parts = new Dictionary<string, SortedDictionary<string, List<string>>>(StringComparer.Ordinal)
        {
            ["train"] = new(StringComparer.Ordinal),
            ["query"] = new(StringComparer.Ordinal),
            ["gallery"] = new(StringComparer.Ordinal),
        };
        var count = 0;
        for (var i = 2; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3)
            {
                throw new InvalidDataException($"{file}, line {i + 1}: '{lines[i]}' is not '<image_name> <item_id> <evaluation_status>'.");
            }
            if (!parts.TryGetValue(fields[2], out var part))
            {
                throw new InvalidDataException($"{file}, line {i + 1}: evaluation status '{fields[2]}' is not train, query or gallery.");
            }
            var path = Path.Combine(imageRoot, fields[0]);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{file}, line {i + 1} names image {path}, which does not exist.", path);
            }
            if (!part.TryGetValue(fields[1], out var paths))
            {
                part[fields[1]] = paths = [];
            }
            paths.Add(path);
            count++;
        }
        if (count != declared)
        {
            throw new InvalidDataException($"{file}: line 1 declares {declared} images but {count} are listed (a truncated file?).");
        }
        foreach (var (status, byItem) in parts)
        {
            if (byItem.Count == 0)
            {
                throw new InvalidDataException($"{file} lists no {status} images.");
            }
        }
        var training = parts["train"].Select(pair => new ClassImages(pair.Key, pair.Value)).ToList();
        // One item order for both, so that an item has the same label among the queries and in the gallery.
        var items = parts["query"].Keys.Union(parts["gallery"].Keys).Order(StringComparer.Ordinal).ToList();
        List<ClassImages> Part(string status) =>
            [.. items.Select(item => new ClassImages(item, parts[status].TryGetValue(item, out var paths) ? paths : []))];
        return new Partition(training, Part("query"), Part("gallery"));
    }
}
