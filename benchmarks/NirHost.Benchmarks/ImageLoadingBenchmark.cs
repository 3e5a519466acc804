using BenchmarkDotNet.Attributes;
using NirHost.Abstractions;
using NirHost.Host.Training;
using NirHost.Plugins.Datasets;
using NirHost.Plugins.Datasets.Images;
using SkiaSharp;

namespace NirHost.Benchmarks;

/// <summary>
/// The training input pipeline as the trainer drives it: the host's <see cref="BatchLoader"/> with two workers
/// loading batches of 32 from 500 x 375 JPEGs with the original's <c>base</c> transform (RandomResizedCrop 224,
/// horizontal flip, ImageNet normalisation). Reported per image. The original (PIL + torchvision, two DataLoader
/// workers) manages about 290 images/s on this machine.
/// </summary>
public class ImageLoadingBenchmark
{
    private const int Images = 64;
    private const int BatchSize = 32;
    private const int Batches = 8;

    private string _folder = null!;
    private ImageFileSplit _split = null!;
    private List<int[]> _batches = null!;
    private int _epoch;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharp.torch.set_num_threads(2);
        _folder = Path.Combine(Path.GetTempPath(), "nirhost-image-benchmark");
        Directory.CreateDirectory(_folder);
        var paths = new List<string>();
        for (var i = 0; i < Images; i++)
        {
            var path = Path.Combine(_folder, $"{i:000}.jpg");
            if (!File.Exists(path))
            {
                WritePhotoLikeJpeg(path, i);
            }
            paths.Add(path);
        }
        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.Base, 224), InputContract.ImageNet);
        _split = new ImageFileSplit("benchmark", [new ClassImages("all", paths)], pipeline, threads: 2);
        var random = new Random(0);
        _batches = [.. Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, BatchSize).Select(_ => random.Next(Images)).ToArray())];
    }

    /// <summary>Smooth shapes plus sensor-like noise, so the JPEGs are about as large as the benchmarks' photos (~50 KB).</summary>
    internal static void WritePhotoLikeJpeg(string path, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(500, 375, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var (r, g, b) = (random.Next(256), random.Next(256), random.Next(256));
        for (var y = 0; y < 375; y++)
        {
            for (var x = 0; x < 500; x++)
            {
                var wave = 60 * MathF.Sin(x / (20f + seed % 7)) * MathF.Cos(y / 31f);
                byte Channel(int c) => (byte)Math.Clamp(c + wave + random.Next(-18, 19), 0, 255);
                bitmap.SetPixel(x, y, new SKColor(Channel(r), Channel(g), Channel(b)));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Benchmark(OperationsPerInvoke = Batches * BatchSize, Description = "training (base), BatchLoader with 2 workers, per image")]
    public long Training()
    {
        var seeds = Enumerable.Range(_epoch++ * Batches, Batches).ToArray();
        using var loader = new BatchLoader(_split, _batches, seeds, workers: 2);
        long elements = 0;
        foreach (var (_, batch) in loader.Batches())
        {
            elements += batch.numel();
            batch.Dispose();
        }
        return elements;
    }

    /// <summary>Resize 256 + centre crop 224, as the evaluator asks for batches: one at a time, decoded on 2 threads.</summary>
    [Benchmark(OperationsPerInvoke = Batches * BatchSize, Description = "evaluation, 2 threads per batch, per image")]
    public long Evaluation()
    {
        long elements = 0;
        foreach (var indices in _batches)
        {
            using var batch = _split.LoadBatch(indices, null);
            elements += batch.numel();
        }
        return elements;
    }
}
