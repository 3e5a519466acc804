using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// The embedded dataset: procedurally generated 32 px images of composite objects, seeded, no download.
/// Split like CUB200: the first half of the classes train, the second half test (zero-shot retrieval).
/// </summary>
[Dataset("synthetic", Options = typeof(SyntheticOptions),
    Description = "Embedded, procedurally generated object images (no download); first half of classes train, second half test.")]
public sealed class SyntheticDataset(SyntheticOptions options, ILogger<SyntheticDataset> logger) : IDataset
{
    // Images are standardised with fixed statistics of the generator's output so every split shares them.
    private const float Mean = 0.5f;
    private const float Std = 0.25f;

    public DatasetSplits Load()
    {
        var trainClasses = options.Classes / 2;
        var testClasses = options.Classes - trainClasses;
        logger.LogInformation("Generating {Count} synthetic images of {Classes} classes ({Size} px)",
            options.Classes * options.SamplesPerClass, options.Classes, options.ImageSize);

        var (trainImages, trainLabels) = Generate(0, trainClasses);
        var (testImages, testLabels) = Generate(trainClasses, testClasses);
        var trainNames = ClassNames(0, trainClasses);
        return new DatasetSplits(
            new InMemoryImageSplit("training", trainImages, trainLabels, trainClasses, trainNames),
            new InMemoryImageSplit("testing", testImages, testLabels, testClasses, ClassNames(trainClasses, testClasses)),
            new InMemoryImageSplit("evaluation", trainImages, trainLabels, trainClasses, trainNames));
    }

    // Named by the generator's class index, which is what makes an object class what it is.
    private static string[] ClassNames(int firstClass, int count) =>
        [.. Enumerable.Range(firstClass, count).Select(c => $"object_{c:D4}")];

    private (Tensor Images, int[] Labels) Generate(int firstClass, int classCount)
    {
        var size = options.ImageSize;
        var perImage = 3 * size * size;
        var count = classCount * options.SamplesPerClass;
        var pixels = new float[count * perImage];
        var labels = new int[count];
        var renderer = new SyntheticRenderer(size);
        // Each image draws from its own seeded generator, so parallel rendering stays deterministic.
        Parallel.For(0, count, i =>
        {
            var classOffset = i / options.SamplesPerClass;
            labels[i] = classOffset;
            renderer.Render(options.Seed, firstClass + classOffset, i % options.SamplesPerClass, pixels.AsSpan(i * perImage, perImage));
        });
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (pixels[i] - Mean) / Std;
        }
        return (tensor(pixels, [count, 3, size, size]), labels);
    }
}
