using NirHost.Abstractions;
using NirHost.Imaging;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;
using SkiaSharp;

namespace NirHost.Tests.Datasets;

/// <summary>Decoding, the original's transforms and normalisation, on generated images.</summary>
public sealed class ImagePipelineTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static float[] Load(ImagePipeline pipeline, string path, Random? random)
    {
        var values = new float[pipeline.ValuesPerImage];
        pipeline.Load(path, random, values);
        return values;
    }

    /// <summary>Planar normalised values back to 0-255 RGB at one pixel.</summary>
    private static float[] Pixel(float[] values, int size, int x, int y, InputContract norm)
    {
        var plane = size * size;
        return [.. Enumerable.Range(0, 3).Select(c =>
            (values[norm.Position(c) * plane + y * size + x] * norm.Std[c] + norm.Mean[c]) * 255f)];
    }

    [Fact]
    public void Evaluation_resizes_the_shorter_side_and_centre_crops()
    {
        var transform = new ImageTransform(Augmentation.Base, 224);
        Assert.Equal(256, transform.ResizeSize);
        // 500 x 375 resizes to 341 x 256; the 224 centre crop starts at round(117 / 2) = 58 (banker's), 16.
        var plan = transform.Plan(500, 375, null);
        Assert.Equal(375.0 / 256, plan.Y.Scale, 12);
        Assert.Equal(500.0 / 341, plan.X.Scale, 12);
        Assert.Equal(58 * 500.0 / 341, plan.X.Origin, 9);
        Assert.Equal(16 * 375.0 / 256, plan.Y.Origin, 9);
        Assert.False(plan.Flip);
        Assert.Equal(256, new ImageTransform(Augmentation.Big, 224).OutputSize);
    }

    [Fact]
    public void Random_resized_crops_stay_inside_the_image_and_repeat_for_a_seed()
    {
        var transform = new ImageTransform(Augmentation.Base, 224);
        var first = new Random(3);
        var again = new Random(3);
        var flips = 0;
        for (var i = 0; i < 200; i++)
        {
            var plan = transform.Plan(500, 375, first);
            Assert.Equal(plan, transform.Plan(500, 375, again));
            var width = plan.X.Scale * 224;
            var height = plan.Y.Scale * 224;
            Assert.InRange(plan.X.Origin, 0, 500 - width + 1e-9);
            Assert.InRange(plan.Y.Origin, 0, 375 - height + 1e-9);
            Assert.InRange(width * height / (500.0 * 375), 0.08 * 0.95, 1.0);
            Assert.InRange(width / height, 0.74, 1.35);
            flips += plan.Flip ? 1 : 0;
        }
        Assert.InRange(flips, 70, 130);
    }

    [Fact]
    public void Scaled_and_cropped_jpeg_decoding_matches_a_full_decode_up_to_resampling()
    {
        var path = Path.Combine(_folder.Path, "photo.jpg");
        FakeImageTrees.WriteImage(path, 500, 375, seed: 11);
        var norm = InputContract.ImageNet;
        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.Base, 64), norm.ToImageInput());

        // Reference: decode every pixel and resample the same plan from full resolution.
        using var full = SKBitmap.Decode(path);
        var plan = new ImageTransform(Augmentation.Base, 64).Plan(500, 375, null);
        var values = Load(pipeline, path, null);
        var worst = 0.0;
        for (var y = 0; y < 64; y += 7)
        {
            for (var x = 0; x < 64; x += 7)
            {
                var sx = (int)(plan.X.Origin + (x + 0.5) * plan.X.Scale);
                var sy = (int)(plan.Y.Origin + (y + 0.5) * plan.Y.Scale);
                var expected = full.GetPixel(sx, sy);
                var actual = Pixel(values, 64, x, y, norm);
                worst = Math.Max(worst, Math.Abs(actual[0] - expected.Red));
                worst = Math.Max(worst, Math.Abs(actual[1] - expected.Green));
                worst = Math.Max(worst, Math.Abs(actual[2] - expected.Blue));
            }
        }
        // A smooth gradient changes by well under 8 levels across one output pixel's footprint.
        Assert.True(worst < 8, $"largest difference {worst:0.0} levels");
    }

    [Fact]
    public void Flips_mirror_and_bn_inception_input_is_bgr_on_a_0_to_255_scale()
    {
        var path = Path.Combine(_folder.Path, "photo.png");
        FakeImageTrees.WriteImage(path, 60, 60, seed: 5, SKEncodedImageFormat.Png);
        var transform = new ImageTransform(Augmentation.Red, 32);
        var pipeline = new ImagePipeline(transform, InputContract.ImageNet.ToImageInput());
        var seed = Enumerable.Range(0, 100).First(s => transform.Plan(60, 60, new Random(s)).Flip);
        var unflippedSeed = Enumerable.Range(0, 100).First(s =>
            !transform.Plan(60, 60, new Random(s)).Flip && transform.Plan(60, 60, new Random(s)).X == transform.Plan(60, 60, new Random(seed)).X
            && transform.Plan(60, 60, new Random(s)).Y == transform.Plan(60, 60, new Random(seed)).Y);
        var flipped = Load(pipeline, path, new Random(seed));
        var straight = Load(pipeline, path, new Random(unflippedSeed));
        for (var x = 0; x < 32; x++)
        {
            Assert.Equal(straight[5 * 32 + x], flipped[5 * 32 + 31 - x]);
        }

        var bgr = Load(new ImagePipeline(transform, InputContract.BnInception.ToImageInput()), path, null);
        var rgb = Load(pipeline, path, null);
        var red = Pixel(rgb, 32, 10, 10, InputContract.ImageNet)[0];
        // BN-Inception: channel 2 holds red as (v/255 - 0.502) / 0.0039, about v - 128.
        Assert.Equal((red / 255f - 0.502f) / 0.0039f, bgr[2 * 32 * 32 + 10 * 32 + 10], 2);
    }

    [Fact]
    public void Grayscale_and_cmyk_jpegs_become_rgb()
    {
        var gray = Path.Combine(_folder.Path, "gray.jpg");
        FakeImageTrees.WriteImage(gray, 40, 40, seed: 2, gray: true);
        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.Base, 16), InputContract.ImageNet.ToImageInput());
        var pixel = Pixel(Load(pipeline, gray, null), 16, 8, 8, InputContract.ImageNet);
        Assert.Equal(pixel[0], pixel[1], 1);
        Assert.Equal(pixel[0], pixel[2], 1);

        var cmyk = Path.Combine(AppContext.BaseDirectory, "fixtures", "images", "cmyk.jpg");
        var values = Load(new ImagePipeline(new ImageTransform(Augmentation.Base, 16), InputContract.ImageNet.ToImageInput()), cmyk, null);
        // Pillow reads (0, 255, 255) on the left and (191, 0, 191) on the right.
        var left = Pixel(values, 16, 1, 8, InputContract.ImageNet);
        var right = Pixel(values, 16, 14, 8, InputContract.ImageNet);
        Assert.All(left.Zip(new[] { 0f, 255f, 255f }), p => Assert.InRange(p.First, p.Second - 20, p.Second + 20));
        Assert.All(right.Zip(new[] { 191f, 0f, 191f }), p => Assert.InRange(p.First, p.Second - 20, p.Second + 20));
    }

    [Fact]
    public void Adv_augmentation_is_deterministic_for_a_seed_and_keeps_values_in_range()
    {
        var path = Path.Combine(_folder.Path, "photo.jpg");
        FakeImageTrees.WriteImage(path, 80, 60, seed: 9);
        var norm = InputContract.ImageNet;
        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.Adv, 24), norm.ToImageInput());
        var grays = 0;
        for (var seed = 0; seed < 30; seed++)
        {
            var first = Load(pipeline, path, new Random(seed));
            Assert.Equal(first, Load(pipeline, path, new Random(seed)));
            var pixel = Pixel(first, 24, 12, 12, norm);
            Assert.All(pixel, v => Assert.InRange(v, -0.01f, 255.01f));
            grays += Math.Abs(pixel[0] - pixel[1]) < 0.01 && Math.Abs(pixel[1] - pixel[2]) < 0.01 ? 1 : 0;
        }
        Assert.InRange(grays, 1, 15);
    }

    [Fact]
    public void A_one_channel_input_is_the_luma_of_the_colour_pixels_and_none_augments_nothing()
    {
        var path = Path.Combine(_folder.Path, "photo.png");
        FakeImageTrees.WriteImage(path, 60, 50, seed: 4, SKEncodedImageFormat.Png);
        var gray = new InputContract(0, 1, [0.5f], [0.25f]);
        var rgb = Load(new ImagePipeline(new ImageTransform(Augmentation.Base, 24), InputContract.ImageNet.ToImageInput()), path, null);
        var one = Load(new ImagePipeline(new ImageTransform(Augmentation.Base, 24), gray.ToImageInput()), path, null);
        Assert.Equal(24 * 24, one.Length);
        foreach (var (x, y) in new[] { (0, 0), (5, 17), (23, 23), (12, 3) })
        {
            var pixel = Pixel(rgb, 24, x, y, InputContract.ImageNet);
            // Within a level: the colour values read back through the normalisation carry float error near .5 roundings.
            var luma = pixel[0] * 0.299f + pixel[1] * 0.587f + pixel[2] * 0.114f;
            var value = (one[y * 24 + x] * 0.25f + 0.5f) * 255f;
            Assert.True(Math.Abs(luma - value) <= 0.51f + 1e-3f, $"({x}, {y}): gray {value}, luma {luma}");
            Assert.Equal(MathF.Round(value), value, 2);
        }

        // --augmentation none: a training source changes nothing, the evaluation crop is what trains.
        var none = new ImagePipeline(new ImageTransform(Augmentation.None, 24), InputContract.ImageNet.ToImageInput());
        var evaluation = Load(none, path, null);
        Assert.Equal(rgb, evaluation);
        for (var seed = 0; seed < 10; seed++)
        {
            Assert.Equal(evaluation, Load(none, path, new Random(seed)));
        }
    }

    [Fact]
    public void A_declared_input_size_other_than_the_crop_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ImagePipeline(new ImageTransform(Augmentation.Base, 224), new InputContract(96, 3, InputContract.ImageNet.Mean, InputContract.ImageNet.Std).ToImageInput()));
        Assert.Contains("--crop_size 96", error.Message);
    }
}
