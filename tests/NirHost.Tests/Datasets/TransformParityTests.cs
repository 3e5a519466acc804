using NirHost.Abstractions;
using NirHost.Imaging;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Tests.Datasets;

/// <summary>
/// NirHost's decoding and transforms against the original's (Pillow 9.4 and torchvision 0.14 inside its
/// <c>BaseDataset</c>) on the JPEGs of tests/NirHost.Tests/fixtures/transforms: gray, CMYK, RGB, EXIF-rotated, smaller than the
/// resize and 2400 px wide. Pixel differences are in [0, 1] units.
/// </summary>
public sealed class TransformParityTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bounds for exact (full-size) decoding, where NirHost resamples in Pillow's fixed point: a few single pixels still differ
    /// by 1 to 4 levels, most on the upscaled images (not traced yet; the two libjpeg-turbo builds' decoded pixels are the first suspect).
    /// </summary>
    private const double MaxDifference = 4 / 255.0;

    private const double MeanDifference = 0.05 / 255.0;

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "transforms");

    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("transform", Folder);

    /// <summary>Mean 0 and std 1: the pipeline then writes ToTensor's [0, 1] pixels.</summary>
    private static readonly InputContract Pixels = new(0, 3, [0f, 0f, 0f], [1f, 1f, 1f]);

    private static readonly ImageTransform Evaluation = new(Augmentation.Base, 224);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_evaluation_flip_and_resized_crop_match_the_original(string entry)
    {
        foreach (var (name, exact, fast) in Measure(Folder, entry))
        {
            output.WriteLine($"{entry} {name}: exact decoding mean {exact.Mean:E2} max {exact.Max:F4}; reduced-scale decoding mean {fast.Mean:E2} max {fast.Max:F4}");
            Assert.True(Within(exact), $"{entry} {name}: NirHost differs from the original by mean {exact.Mean:E2}, max {exact.Max:F4} ([0, 1] units).");
        }
    }

    [Fact]
    public void Parity_fails_when_an_expected_image_of_the_fixture_is_corrupted()
    {
        using var folder = new TempFolder();
        foreach (var file in new[] { "manifest.json", "gray.safetensors", "gray.jpg" })
        {
            File.Copy(Path.Combine(Folder, file), Path.Combine(folder.Path, file));
        }
        Assert.All(Measure(folder.Path, "gray"), m => Assert.True(Within(m.Exact), m.Name));
        // One byte of the expected resized crop.
        FixtureCorruption.FlipByte(Path.Combine(folder.Path, "gray.safetensors"), "expect.resized_crop", byteInTensor: 5000);
        var failed = Measure(folder.Path, "gray").Where(m => !Within(m.Exact)).Select(m => m.Name).ToList();
        Assert.Equal(["resized_crop"], failed);
    }

    private static bool Within((double Mean, double Max) difference) =>
        difference.Max <= MaxDifference + 1e-6 && difference.Mean <= MeanDifference;

    /// <summary>Per transform of the entry: NirHost's difference from the original with exact and with reduced-scale decoding.</summary>
    private static List<(string Name, (double Mean, double Max) Exact, (double Mean, double Max) Fast)> Measure(string folder, string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry, folder);
        var path = Path.Combine(folder, fixture.Get<string>("image"));
        var pipeline = new ImagePipeline(Evaluation, Pixels.ToImageInput());
        var result = new List<(string, (double, double), (double, double))>();
        foreach (var (name, planFor) in Plans(fixture))
        {
            using var expected = ExpectedPixels(fixture, name);
            result.Add((name, Difference(expected, Load(pipeline, path, planFor, reducedScale: false)),
                Difference(expected, Load(pipeline, path, planFor, reducedScale: true))));
        }
        return result;
    }

    [Fact]
    public void Evaluation_decodes_at_full_size_unless_asked_and_the_reduced_scale_moves_pixels_more_than_quality_95()
    {
        const string entry = "wide";
        using var fixture = ReferenceFixtures.Load(entry, Folder);
        var path = Path.Combine(Folder, fixture.Get<string>("image"));
        var evaluation = Plans(fixture)[0].PlanFor;
        var exact = Load(new ImagePipeline(Evaluation, Pixels.ToImageInput()), path, evaluation, reducedScale: false);
        var fast = Load(new ImagePipeline(Evaluation, Pixels.ToImageInput()), path, evaluation, reducedScale: true);
        Assert.Equal(exact, LoadEvaluation(new ImagePipeline(Evaluation, Pixels.ToImageInput()), path));
        Assert.Equal(fast, LoadEvaluation(new ImagePipeline(Evaluation, Pixels.ToImageInput(), fastEvaluationDecoding: true), path));

        // The reason for the default: on the 2400 px image libjpeg's 1/8 scale moves the evaluation input further than
        // re-encoding the JPEG at quality 95 does (Pillow's own measurement, in the manifest).
        using var expected = ExpectedPixels(fixture, "eval");
        var (fastMean, _) = Difference(expected, fast);
        var q95 = fixture.Double("q95_eval_mean_abs");
        Assert.True(fastMean > q95, $"reduced-scale mean difference {fastMean:F5} vs quality 95 re-encoding {q95:F5}");
    }

    [Fact]
    public void Parity_normalised_input_matches_the_original_wherever_the_pixels_do()
    {
        using var fixture = ReferenceFixtures.Load("rgb", Folder);
        var path = Path.Combine(Folder, fixture.Get<string>("image"));
        using var pixels = ExpectedPixels(fixture, "eval");
        using var ours = tensor(LoadEvaluation(new ImagePipeline(Evaluation, Pixels.ToImageInput()), path)).view(3, 224, 224);
        // Pixels Pillow and NirHost round alike; most of them.
        using var same = (ours - pixels).abs().lt(0.5 / 255);
        Assert.True(same.to(float32).mean().item<float>() > 0.5f);
        foreach (var (key, contract) in new[] { ("expect.eval_imagenet", InputContract.ImageNet), ("expect.eval_bninception", InputContract.BnInception) })
        {
            using var expected = fixture[key].to(float32);
            using var normalised = tensor(LoadEvaluation(new ImagePipeline(Evaluation, contract.ToImageInput()), path)).view(3, 224, 224);
            // The mask is in RGB order; BN-Inception's input is BGR.
            using var mask = contract.ColourOrder == ColourOrder.Bgr ? same.flip(0) : same.alias();
            var scale = expected.abs().max().item<float>();
            var error = (normalised - expected).abs().masked_select(mask).max().item<float>();
            Assert.True(error <= 1e-4 * scale, $"{key}: max error {error:E2} where the pixels agree (scale {scale:G4}).");
        }
    }

    private static List<(string Name, Func<int, int, TransformPlan> PlanFor)> Plans(ReferenceFixture fixture)
    {
        var box = fixture.Entry["resized_crop_box"]!;
        return
        [
            ("eval", (width, height) => Evaluation.Plan(width, height, null)),
            ("eval_flip", (width, height) => Evaluation.Plan(width, height, null) with { Flip = true }),
            ("resized_crop", (_, _) => Evaluation.ResizedCrop(box["left"]!.GetValue<int>(), box["top"]!.GetValue<int>(),
                box["width"]!.GetValue<int>(), box["height"]!.GetValue<int>())),
        ];
    }

    /// <summary>The original's 8-bit HWC result as CHW [0, 1] values.</summary>
    private static Tensor ExpectedPixels(ReferenceFixture fixture, string name) =>
        fixture[$"expect.{name}"].to(float32).permute(2, 0, 1).div(255f).contiguous();

    private static float[] Load(ImagePipeline pipeline, string path, Func<int, int, TransformPlan> planFor, bool reducedScale)
    {
        var values = new float[pipeline.ValuesPerImage];
        pipeline.Load(path, planFor, reducedScale, values);
        return values;
    }

    private static float[] LoadEvaluation(ImagePipeline pipeline, string path)
    {
        var values = new float[pipeline.ValuesPerImage];
        pipeline.Load(path, random: null, values);
        return values;
    }

    private static (double Mean, double Max) Difference(Tensor expected, float[] actual)
    {
        using var ours = tensor(actual).view(expected.shape);
        using var difference = (ours - expected).abs();
        return (difference.mean().item<float>(), difference.max().item<float>());
    }
}
