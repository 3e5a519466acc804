using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Plugins.Datasets.Images;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Turns a benchmark's training and test classes into the splits the host trains on: checks that every
/// image can be opened (or leaves unreadable ones out with <c>--skip_unreadable_images</c>), applies the
/// train/validation split, and builds the transforms for the selected architecture.
/// </summary>
internal sealed class ImageDatasetBuilder(DataSettings data, ImageDatasetOptions options, InputContract input, ILogger logger)
{
    public DatasetSplits Build(string dataset, IReadOnlyList<ClassImages> training, IReadOnlyList<ClassImages> testing) =>
        Build(dataset, training, testing, null, null);

    /// <summary>
    /// The splits of a dataset whose held-out classes come as queries and a gallery: <paramref name="query"/> and
    /// <paramref name="gallery"/> list the same classes in the same order (a class may have no images in one of them),
    /// and the test split holds both, each class's queries first (<see cref="DatasetSplits.Query"/>).
    /// </summary>
    public DatasetSplits BuildQueryGallery(string dataset, IReadOnlyList<ClassImages> training, IReadOnlyList<ClassImages> query,
        IReadOnlyList<ClassImages> gallery) => Build(dataset, training, null, query, gallery);

    private DatasetSplits Build(string dataset, IReadOnlyList<ClassImages> training, IReadOnlyList<ClassImages>? testing,
        IReadOnlyList<ClassImages>? query, IReadOnlyList<ClassImages>? gallery)
    {
        // First, so that an input the architecture cannot take is refused before every image is opened.
        var pipeline = new ImagePipeline(new ImageTransform(Augmentations.Parse(data.Augmentation), options.CropSize), input,
            options.FastEvalDecoding);
        var skipped = new List<(string Path, string Why)>();
        training = Readable(training, skipped);
        if (query is not null && gallery is not null)
        {
            query = Readable(query, skipped);
            gallery = Readable(gallery, skipped);
            var galleryOf = gallery;
            testing = [.. query.Select((c, i) => c with { Paths = [.. c.Paths, .. galleryOf[i].Paths] })];
        }
        else
        {
            testing = Readable(testing!, skipped);
        }
        if (skipped.Count > 0)
        {
            logger.LogWarning("Skipped {Count} unreadable images of {Dataset} (--skip_unreadable_images), the first: {Why}",
                skipped.Count, dataset, skipped[0].Why);
        }
        SkippedImages = skipped.Count;

        var (train, validation) = TrainValidationSplit.Apply(training, data.UseTvSplit, data.TvSplitPerc, data.TvSplitBySamples);
        logger.LogInformation("{Dataset}: classes train {Train} | val {Val} | test {Test}; images train {TrainImages} | test {TestImages}",
            dataset, train.Count, validation?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "X", testing.Count,
            train.Sum(c => c.Paths.Count), testing.Sum(c => c.Paths.Count));
        if (query is not null && gallery is not null)
        {
            logger.LogInformation("{Dataset}: the test images are {Queries} queries and a gallery of {Gallery}; queries are searched against the gallery",
                dataset, query.Sum(c => c.Paths.Count), gallery.Sum(c => c.Paths.Count));
        }

        return new DatasetSplits(
            new ImageFileSplit("training", train, pipeline, data.Kernels),
            new ImageFileSplit("testing", testing, pipeline, data.Kernels),
            new ImageFileSplit("evaluation", train, pipeline, data.Kernels))
        {
            Validation = validation is null ? null : new ImageFileSplit("validation", validation, pipeline, data.Kernels),
            Query = query is null ? null : new ImageFileSplit("query", query, pipeline, data.Kernels),
            Gallery = gallery is null ? null : new ImageFileSplit("gallery", gallery, pipeline, data.Kernels),
        };
    }

    /// <summary>Images left out by the last <see cref="Build"/>.</summary>
    public int SkippedImages { get; private set; }

    private IReadOnlyList<ClassImages> Readable(IReadOnlyList<ClassImages> classes, List<(string Path, string Why)> skipped)
    {
        var all = classes.SelectMany(c => c.Paths).ToArray();
        var problems = new string?[all.Length];
        Parallel.For(0, all.Length, new ParallelOptions { MaxDegreeOfParallelism = data.Kernels }, i =>
        {
            try
            {
                var (width, height) = ImageDecoder.ReadSize(all[i]);
                if (width <= 0 || height <= 0)
                {
                    problems[i] = $"Image {all[i]} has no pixels ({width} x {height}).";
                }
            }
            catch (InvalidDataException e)
            {
                problems[i] = e.Message;
            }
        });
        var firstProblem = Array.FindIndex(problems, p => p is not null);
        if (firstProblem < 0)
        {
            return classes;
        }
        if (!options.SkipUnreadableImages)
        {
            var count = problems.Count(p => p is not null);
            throw new InvalidDataException(problems[firstProblem] +
                (count > 1 ? $" ({count - 1} more unreadable images.)" : "") + " Use --skip_unreadable_images to leave unreadable images out.");
        }
        var bad = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < all.Length; i++)
        {
            if (problems[i] is { } why)
            {
                bad.Add(all[i]);
                skipped.Add((all[i], why));
            }
        }
        var kept = new List<ClassImages>();
        foreach (var images in classes)
        {
            var paths = images.Paths.Where(p => !bad.Contains(p)).ToList();
            // A class without images in one part of a query/gallery split is no error; one emptied by skipping is.
            if (paths.Count == 0 && images.Paths.Count > 0)
            {
                throw new InvalidDataException($"Class '{images.Name}' has no readable images left after skipping unreadable ones.");
            }
            kept.Add(images with { Paths = paths });
        }
        return kept;
    }
}
