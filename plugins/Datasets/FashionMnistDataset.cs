using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Fashion-MNIST from its IDX files (the 60,000 training and 10,000 test images pooled), split zero-shot by class like
/// the benchmarks: classes 0-4 train, 5-9 test. Images stay 28 x 28 and reach the architecture as its
/// <see cref="InputContract"/> says: one gray channel, or gray copied to three, normalised as declared. Training images
/// are flipped horizontally at random unless <c>--augmentation none</c>.
/// </summary>
[Dataset("fashion_mnist", Options = typeof(FashionMnistOptions),
    Description = "Fashion-MNIST from IDX files (Debian's dataset-fashion-mnist or <source_path>/fashion_mnist); classes 0-4 train, 5-9 test, 28 px gray.")]
public sealed class FashionMnistDataset(DataSettings data, FashionMnistOptions options, InputContract input, ILogger<FashionMnistDataset> logger) : IDataset
{
    private const int Classes = 10;

    /// <summary>
    /// The folder to read: <paramref name="configured"/>, except that the default Debian path, where it does not exist
    /// (Windows, macOS, other Linux distributions), gives way to <c>&lt;source_path&gt;/fashion_mnist</c> like every other
    /// dataset. A missing folder is an error naming the flag; the Debian package is suggested only on Debian-based systems.
    /// </summary>
    internal static string Folder(string configured, string sourcePath, string debianDefault, bool debian)
    {
        if (Directory.Exists(configured))
        {
            return configured;
        }
        var install = debian ? "; Debian's dataset-fashion-mnist package installs it in " + debianDefault : "";
        if (!string.Equals(configured, debianDefault, StringComparison.Ordinal))
        {
            throw new DirectoryNotFoundException($"Fashion-MNIST folder {configured} does not exist (--fashion_mnist_path){install}.");
        }
        var underSource = Path.Combine(sourcePath, "fashion_mnist");
        if (Directory.Exists(underSource))
        {
            return underSource;
        }
        throw new DirectoryNotFoundException($"Fashion-MNIST not found in {underSource} (--source_path/fashion_mnist) nor in {debianDefault}: " +
            $"put the IDX files (train-images-idx3-ubyte.gz, ...) in {underSource} or name their folder with --fashion_mnist_path{install}.");
    }

    public DatasetSplits Load()
    {
        var folder = Folder(options.Path, data.SourcePath, FashionMnistOptions.DebianPath, File.Exists("/etc/debian_version"));
        var (trainPixels, trainLabels, side) = ReadPair(folder, "train");
        var (testPixels, testLabels, testSide) = ReadPair(folder, "t10k");
        if (testSide != side)
        {
            throw new InvalidDataException($"Fashion-MNIST images in {folder} differ in size between train ({side}) and t10k ({testSide}).");
        }
        if (input.Size > 0 && input.Size != side)
        {
            throw new ArgumentException($"The architecture takes {input.Size} px input; Fashion-MNIST images are {side} px, and this dataset does not resize them.");
        }
        var pixels = new byte[trainPixels.Length + testPixels.Length];
        trainPixels.CopyTo(pixels, 0);
        testPixels.CopyTo(pixels, trainPixels.Length);
        var labels = trainLabels.Concat(testLabels).ToArray();

        var byClass = Enumerable.Range(0, Classes).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= Classes)
            {
                throw new InvalidDataException($"Fashion-MNIST label {labels[i]} of image {i} in {folder} is outside 0-9.");
            }
            byClass[labels[i]].Add(i);
        }
        for (var c = 0; c < Classes; c++)
        {
            if (byClass[c].Count == 0)
            {
                throw new InvalidDataException($"Fashion-MNIST in {folder} has no images of class {c}.");
            }
        }
        IReadOnlyList<IReadOnlyList<int>> training = byClass.Take(Classes / 2).ToList();
        IReadOnlyList<IReadOnlyList<int>> testing = byClass.Skip(Classes / 2).ToList();
        var (train, validation) = TrainValidationSplit.Apply(training, c => c.Count,
            (c, keep) => (IReadOnlyList<int>)c.Where((_, i) => keep(i)).ToList(),
            data.UseTvSplit, data.TvSplitPerc, data.TvSplitBySamples);
        logger.LogInformation("fashion_mnist: {Train} training, {Test} test images of {Side} px from {Path}",
            train.Sum(c => c.Count), testing.Sum(c => c.Count), side, folder);
        // The flip is the only random transform here; --augmentation none turns it off.
        var flips = data.Augmentation != "none";
        // A class is named by its Fashion-MNIST label, which every image of it carries.
        string[] Named(IReadOnlyList<IReadOnlyList<int>> split) => [.. split.Select(c => c.Count > 0 ? $"fashion_mnist_{labels[c[0]]}" : "")];
        return new DatasetSplits(
            new GrayImageSplit("training", pixels, side, train, input, flips, Named(train)),
            new GrayImageSplit("testing", pixels, side, testing, input, flips, Named(testing)),
            new GrayImageSplit("evaluation", pixels, side, train, input, flips, Named(train)))
        {
            Validation = validation is null ? null : new GrayImageSplit("validation", pixels, side, validation, input, flips, Named(validation)),
        };
    }

    private static (byte[] Pixels, byte[] Labels, int Side) ReadPair(string folder, string prefix)
    {
        var imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte");
        var labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte");
        var (shape, pixels) = IdxFile.Read(imagesPath);
        var (labelShape, labels) = IdxFile.Read(labelsPath);
        if (shape.Length != 3 || shape[1] != shape[2])
        {
            throw new InvalidDataException($"{imagesPath} should hold [count, side, side] images; it holds [{string.Join(", ", shape)}].");
        }
        if (labelShape.Length != 1 || labelShape[0] != shape[0])
        {
            throw new InvalidDataException($"{labelsPath} holds {string.Join(" x ", labelShape)} labels for {shape[0]} images in {imagesPath}.");
        }
        return (pixels, labels, shape[1]);
    }
}
