using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Imaging;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;
using SkiaSharp;

namespace NirHost.Tests.Inference;

/// <summary>
/// Inference without TorchSharp prepares images with the training pipeline's own code: a dataset's evaluation batch equals,
/// to the bit, what NirHost.Imaging makes of the same JPEGs for the same input described in plain numbers (as an exported
/// model's metadata describes it), from the files and from their bytes.
/// </summary>
public sealed class ImagingParityTests : IDisposable
{
    private const int Crop = 24;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string[] Jpegs()
    {
        var random = new Random(5);
        var paths = new List<string>();
        foreach (var (width, height) in new[] { (37, 29), (30, 44), (64, 64), (25, 27) })
        {
            using var bitmap = new SKBitmap(width, height);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)(x * 7), (byte)(y * 5)));
                }
            }
            using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            var path = Path.Combine(_folder.Path, $"image-{width}x{height}.jpg");
            File.WriteAllBytes(path, jpeg.ToArray());
            paths.Add(path);
        }
        return [.. paths.Order(StringComparer.Ordinal)];
    }

    public static TheoryData<string> Contracts => ["imagenet", "bninception", "gray"];

    private static (InputContract Contract, ImageInput Plain) Contract(string name) => name switch
    {
        "imagenet" => (InputContract.ImageNet, new ImageInput(0, 3, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f])),
        "bninception" => (InputContract.BnInception,
            new ImageInput(0, 3, [0.502f, 0.4588f, 0.4078f], [0.0039f, 0.0039f, 0.0039f], ImageColourOrder.Bgr)),
        _ => (new InputContract(Crop, 1, [0.5f], [0.25f], ValueScale: 2f), new ImageInput(Crop, 1, [0.5f], [0.25f], valueScale: 2f)),
    };

    [Theory]
    [MemberData(nameof(Contracts))]
    public void A_datasets_evaluation_batch_equals_the_imaging_librarys_images_bit_for_bit(string name)
    {
        var paths = Jpegs();
        var (contract, plain) = Contract(name);
        var dataset = new ImageListDataset(new DataSettings { SourcePath = _folder.Path, Kernels = 2 }, new ImageDatasetOptions { CropSize = Crop },
            contract, NullLogger<ImageListDataset>.Instance);
        var split = dataset.Load().Testing;
        Assert.Equal(paths, split.SamplePaths);

        using var batch = split.LoadBatch(Enumerable.Range(0, paths.Length).ToArray(), augmentation: null);
        var fromDataset = batch.data<float>().ToArray();

        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.None, Crop), plain);
        var perImage = pipeline.ValuesPerImage;
        Assert.Equal(paths.Length * perImage, fromDataset.Length);
        for (var i = 0; i < paths.Length; i++)
        {
            var fromFile = new float[perImage];
            pipeline.Load(paths[i], null, fromFile);
            var fromBytes = new float[perImage];
            pipeline.LoadEvaluation(File.ReadAllBytes(paths[i]), paths[i], fromBytes);
            var expected = fromDataset.AsSpan(i * perImage, perImage).ToArray();
            Assert.Equal(expected, fromFile);
            Assert.Equal(expected, fromBytes);
        }
    }
}
