using System.Globalization;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// CUB200-2011 from <c>&lt;source_path&gt;/cub200/images/&lt;NNN.Name&gt;/*.jpg</c>. Classes ordered by their number;
/// the first half trains, the second half tests, as in the original.
/// </summary>
[Dataset("cub200", Options = typeof(ImageDatasetOptions),
    Description = "CUB200-2011 (images/<NNN.Class>/...); classes 1-100 train, 101-200 test.")]
public sealed class Cub200Dataset(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger<Cub200Dataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        var folder = Path.Combine(data.SourcePath, "cub200");
        var images = ClassFolders.ImagesFolder(folder, "cub200");
        var leftOut = new ClassFolders.LeftOut();
        var names = ClassFolders.ClassNames(images, leftOut).Select(name => (Name: name, Number: ClassNumber(images, name))).OrderBy(c => c.Number).ToList();
        var (training, testing) = ClassFolders.Halves([.. names.Select(c => ClassFolders.Read(images, c.Name, leftOut))], images);
        leftOut.Log(logger, "cub200");
        return new ImageDatasetBuilder(data, options, input, logger).Build("cub200", training, testing);
    }

    private static int ClassNumber(string images, string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !int.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new InvalidDataException($"CUB200 class folders are named <number>.<name> (001.Black_footed_Albatross); {Path.Combine(images, name)} is not.");
        }
        return number;
    }
}
