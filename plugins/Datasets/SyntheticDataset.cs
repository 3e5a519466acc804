using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// The embedded dataset: procedurally generated 32 px images of composite objects, seeded, no download.
/// Split like CUB200: the first half of the classes train, the second half test (zero-shot retrieval). The rendered
/// colours in [0, 1] reach the architecture as its <see cref="InputContract"/> says (the gray luma for one channel);
/// training images are flipped at random unless <c>--augmentation none</c>.
/// </summary>
[Dataset("synthetic", Options = typeof(SyntheticOptions),
    Description = "Embedded, procedurally generated object images (no download); first half of classes train, second half test.")]
public sealed class SyntheticDataset(SyntheticOptions options, DataSettings data, InputContract input, ILogger<SyntheticDataset> logger) : IDataset
{
    public DatasetSplits Load()
    {
        if (input.Size > 0 && input.Size != options.ImageSize)
        {
            throw new ArgumentException($"The architecture takes {input.Size} px input; give --synthetic_image_size {input.Size}.");
        }
        var trainClasses = options.Classes / 2;
        var testClasses = options.Classes - trainClasses;
        logger.LogInformation("Generating {Count} synthetic images of {Classes} classes ({Size} px)",
            options.Classes * options.SamplesPerClass, options.Classes, options.ImageSize);

        var (trainImages, trainLabels) = Generate(0, trainClasses);
        var (testImages, testLabels) = Generate(trainClasses, testClasses);
        var trainNames = ClassNames(0, trainClasses);
        var flips = data.Augmentation != "none";
        return new DatasetSplits(
            new InMemoryImageSplit("training", trainImages, trainLabels, trainClasses, input, flips, trainNames),
            new InMemoryImageSplit("testing", testImages, testLabels, testClasses, input, flips, ClassNames(trainClasses, testClasses)),
            new InMemoryImageSplit("evaluation", trainImages, trainLabels, trainClasses, input, flips, trainNames));
    }

    // Named by the generator's class index, which is what makes an object class what it is.
    private static string[] ClassNames(int firstClass, int count) =>
        [.. Enumerable.Range(firstClass, count).Select(c => $"object_{c:D4}")];

    /// <summary>
    /// One rendered [3, H, W] image in [0, 1] to the declared input, in place when it keeps three channels. Written as
    /// <c>(v * scale - mean) / std</c>, the arithmetic the embedded dataset always used, so its runs keep their numbers.
    /// </summary>
    private void Normalise(Span<float> rgb, Span<float> output)
    {
        var plane = rgb.Length / 3;
        if (input.Channels == 1)
        {
            var r = rgb[..plane];
            var g = rgb.Slice(plane, plane);
            var b = rgb[(2 * plane)..];
            for (var p = 0; p < plane; p++)
            {
                // ITU-R 601 luma, as PIL's convert("L") weighs the channels.
                output[p] = ((r[p] * 0.299f + g[p] * 0.587f + b[p] * 0.114f) * input.ValueScale - input.Mean[0]) / input.Std[0];
            }
            return;
        }
        for (var c = 0; c < 3; c++)
        {
            var (mean, std) = (input.Mean[c], input.Std[c]);
            var channel = rgb.Slice(c * plane, plane);
            for (var p = 0; p < plane; p++)
            {
                channel[p] = (channel[p] * input.ValueScale - mean) / std;
            }
        }
        if (input.ColourOrder == ColourOrder.Bgr)
        {
            var red = rgb[..plane];
            var blue = rgb[(2 * plane)..];
            for (var p = 0; p < plane; p++)
            {
                (red[p], blue[p]) = (blue[p], red[p]);
            }
        }
    }

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
        var plane = size * size;
        var values = input.Channels == 3 ? pixels : new float[count * plane];
        Parallel.For(0, count, i => Normalise(pixels.AsSpan(i * perImage, perImage), values.AsSpan(i * input.Channels * plane, input.Channels * plane)));
        return (tensor(values, [count, input.Channels, size, size]), labels);
    }
}
