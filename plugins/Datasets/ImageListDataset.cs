using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Imaging;

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
        var leftOut = new ClassFolders.LeftOut();
        var paths = ImageSources.Resolve(data.SourcePath, "--source_path", leftOut.Add);
        leftOut.Log(logger, "images");
        var images = new ClassImages("images", paths);
        return new ImageDatasetBuilder(data, options, input, logger).Build("images", [images], [images]);
    }
}
