using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// CARS196 from <c>&lt;source_path&gt;/cars196/images/&lt;class name&gt;/*.jpg</c>. Classes in sorted name order;
/// the first half trains, the second half tests, as in the original.
/// </summary>
[Dataset("cars196", Options = typeof(ImageDatasetOptions),
    Description = "Stanford CARS196 (images/<class>/...); first 98 sorted classes train, last 98 test.")]
public sealed class Cars196Dataset(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger<Cars196Dataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        var folder = Path.Combine(data.SourcePath, "cars196");
        var images = ClassFolders.ImagesFolder(folder, "cars196");
        var leftOut = new ClassFolders.LeftOut();
        var names = ClassFolders.ClassNames(images, leftOut).Order(StringComparer.Ordinal).ToList();
        var (training, testing) = ClassFolders.Halves([.. names.Select(name => ClassFolders.Read(images, name, leftOut))], images);
        leftOut.Log(logger, "cars196");
        return new ImageDatasetBuilder(data, options, input, logger).Build("cars196", training, testing);
    }
}
