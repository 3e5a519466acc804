using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host.Composition;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Datasets;

/// <summary>
/// What an architecture receives from <c>--dataset fashion_mnist</c> as the host composes a run: the stored gray pixels under
/// the architecture's declared <see cref="InputContract"/> (one channel for a one-channel network, gray copied to each colour
/// channel otherwise, normalised per channel, in the declared colour order), flipped at random only when
/// <c>--augmentation</c> asks for it.
/// </summary>
public sealed class FashionMnistInputTests : IDisposable
{
    private const int Side = 8;
    private readonly TempFolder _folder = new();
    private readonly TempFolder _runs = new();
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    public FashionMnistInputTests()
    {
        // Every pixel differs from its mirror image, so a flip cannot pass unseen.
        var (train, trainLabels) = WriteSet("train", 40, 0);
        var (test, testLabels) = WriteSet("t10k", 20, 3);
        // The dataset pools both files.
        (_pixels, _labels) = ([.. train, .. test], [.. trainLabels, .. testLabels]);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _runs.Dispose();
    }

    private (byte[] Pixels, byte[] Labels) WriteSet(string prefix, int count, int offset)
    {
        var labels = Enumerable.Range(0, count).Select(i => (byte)((i + offset) % 10)).ToArray();
        var pixels = new byte[count * Side * Side];
        for (var i = 0; i < count; i++)
        {
            for (var y = 0; y < Side; y++)
            {
                for (var x = 0; x < Side; x++)
                {
                    pixels[(i * Side + y) * Side + x] = (byte)(labels[i] * 20 + 9 * x + y + i % 4);
                }
            }
        }
        IdxFiles.Write(_folder.Path, $"{prefix}-images-idx3-ubyte", [count, Side, Side], pixels);
        IdxFiles.Write(_folder.Path, $"{prefix}-labels-idx1-ubyte", [count], labels);
        return (pixels, labels);
    }

    private string[] Run(string arch, string augmentation, params string[] more) => HostHarness.TinyRun(_runs.Path,
    [
        "--dataset", "fashion_mnist", "--fashion_mnist_path", _folder.Path, "--arch", arch, "--augmentation", augmentation,
        "--bs", "8", "--samples_per_class", "2", .. more,
    ]);

    /// <summary>The training split and the input contract of a run composed as the host composes it.</summary>
    private static (IDataSplit Training, InputContract Input) Compose(string[] args)
    {
        using var services = new ServiceCollection().AddLogging().AddNirHostRun(HostHarness.Catalog, HostHarness.Parse(args)).BuildServiceProvider();
        return (services.GetRequiredService<DatasetSplits>().Training, services.GetRequiredService<InputContract>());
    }

    /// <summary>The stored images of the training split (classes 0-4 of both files, in class order), as the files hold them.</summary>
    private byte[][] StoredTrainingImages() =>
    [
        .. Enumerable.Range(0, 5).SelectMany(c => Enumerable.Range(0, _labels.Length).Where(i => _labels[i] == c))
            .Select(i => _pixels.AsSpan(i * Side * Side, Side * Side).ToArray()),
    ];

    public static TheoryData<string, int, float[], float[], bool> Architectures => new()
    {
        { "convnet_gray", 1, [0.5f], [0.25f], false },
        { "convnet_normalize", 3, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f], false },
        { "resnet18", 3, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], false },
        { "bninception_normalize", 3, [0.502f, 0.4588f, 0.4078f], [0.0039f, 0.0039f, 0.0039f], true },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void With_augmentation_none_training_batches_are_the_stored_pixels_under_the_declared_input(string arch, int channels, float[] mean,
        float[] std, bool bgr)
    {
        var (training, input) = Compose(Run(arch, "none"));
        Assert.Equal(channels, input.Channels);
        var stored = StoredTrainingImages();
        Assert.Equal(stored.Length, training.Count);

        // Training batches draw augmentation sources as the trainer does; with none, no draw may change a pixel.
        for (var seed = 0; seed < 5; seed++)
        {
            using var scope = NewDisposeScope();
            var batch = training.LoadBatch([.. Enumerable.Range(0, training.Count)], new Random(seed));
            Assert.Equal([training.Count, channels, Side, Side], batch.shape);
            var values = batch.data<float>().ToArray();
            for (var i = 0; i < stored.Length; i++)
            {
                for (var c = 0; c < channels; c++)
                {
                    // Mean and std are listed in RGB order; BN-Inception's tensor holds them reversed (BGR).
                    var position = bgr ? 2 - c : c;
                    for (var p = 0; p < Side * Side; p++)
                    {
                        var expected = (stored[i][p] / 255f - mean[c]) / std[c];
                        var actual = values[((i * channels) + position) * Side * Side + p];
                        Assert.True(Math.Abs(expected - actual) <= 1e-5f * Math.Max(1f, Math.Abs(expected)),
                            $"{arch}: image {i}, channel {c}, pixel {p}: {actual}, expected {expected}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Flips_follow_the_augmentation_flag()
    {
        var (plain, _) = Compose(Run("convnet_gray", "none"));
        var (flipping, _) = Compose(Run("convnet_gray", "base"));
        using var scope = NewDisposeScope();
        int[] all = [.. Enumerable.Range(0, plain.Count)];
        var stored = plain.LoadBatch(all, null);
        var augmented = flipping.LoadBatch(all, new Random(0));
        var flipped = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (augmented[i].equal(stored[i].flip(2)).all().item<bool>())
            {
                flipped++;
            }
            else
            {
                Assert.True(augmented[i].equal(stored[i]).all().item<bool>(), $"image {i} is neither as stored nor mirrored");
            }
        }
        Assert.InRange(flipped, 1, all.Length - 1);
    }

    [Fact]
    public void The_display_image_is_the_stored_gray_image()
    {
        var (training, _) = Compose(Run("resnet18", "base"));
        var stored = StoredTrainingImages();
        using var image = training.DisplayImage(3);
        Assert.Equal([1L, Side, Side], image.shape);
        Assert.Equal(stored[3].Select(p => p / 255f).ToArray(), image.data<float>().ToArray());
    }

    [Fact]
    public void A_one_channel_architecture_trains_on_the_stored_pixels()
    {
        var summary = HostHarness.Train(Run("convnet_gray", "none", "--n_epochs", "1"));
        Assert.Equal("completed", summary.Status);
    }
}
