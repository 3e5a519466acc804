using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;

namespace NirHost.Tests.Datasets;

/// <summary>Fashion-MNIST from small generated IDX files, gzipped as Debian installs them.</summary>
public sealed class FashionMnistTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private void WriteIdx(string name, int[] shape, byte[] data, bool gzip = true) => IdxFiles.Write(_folder.Path, name, shape, data, gzip);

    /// <summary>Images whose every pixel is 10 x label + index within the file, so each can be recognised.</summary>
    private void WriteSet(string prefix, int count, int offset, bool gzip = true)
    {
        var labels = Enumerable.Range(0, count).Select(i => (byte)((i + offset) % 10)).ToArray();
        var pixels = new byte[count * 4 * 4];
        for (var i = 0; i < count; i++)
        {
            pixels.AsSpan(i * 16, 16).Fill((byte)(labels[i] * 20 + i % 3));
        }
        WriteIdx($"{prefix}-images-idx3-ubyte", [count, 4, 4], pixels, gzip);
        WriteIdx($"{prefix}-labels-idx1-ubyte", [count], labels, gzip);
    }

    [Fact]
    public void Classes_0_to_4_train_and_5_to_9_test_over_both_files()
    {
        WriteSet("train", 40, 0);
        WriteSet("t10k", 20, 3, gzip: false);
        var splits = new FashionMnistDataset(new DataSettings(), new FashionMnistOptions { Path = _folder.Path }, InputContract.ImageNet,
            NullLogger<FashionMnistDataset>.Instance).Load();

        Assert.Equal(5, splits.Training.NumClasses);
        Assert.Equal(30, splits.Training.Count);
        Assert.Equal(30, splits.Testing.Count);
        using var batch = splits.Testing.LoadBatch([0], null);
        Assert.Equal([1L, 3, 4, 4], batch.shape);
        // The first test sample is a class-5 image: value 100 + (5 % 3) = 102, normalised per ImageNet channel.
        var red = batch[0, 0, 0, 0].item<float>();
        Assert.Equal((102f / 255f - 0.485f) / 0.229f, red, 4);
        var blue = batch[0, 2, 3, 3].item<float>();
        Assert.Equal((102f / 255f - 0.406f) / 0.225f, blue, 4);
    }

    [Fact]
    public void Validation_split_and_broken_files_name_the_file()
    {
        WriteSet("train", 40, 0);
        WriteSet("t10k", 20, 3);
        var splits = new FashionMnistDataset(new DataSettings { UseTvSplit = true, TvSplitPerc = 0.6 }, new FashionMnistOptions { Path = _folder.Path },
            InputContract.ImageNet, NullLogger<FashionMnistDataset>.Instance).Load();
        Assert.Equal(3, splits.Training.NumClasses);
        Assert.Equal(2, splits.Validation!.NumClasses);

        WriteIdx("t10k-labels-idx1-ubyte", [19], new byte[19]);
        var error = Assert.Throws<InvalidDataException>(() => new FashionMnistDataset(new DataSettings(), new FashionMnistOptions { Path = _folder.Path },
            InputContract.ImageNet, NullLogger<FashionMnistDataset>.Instance).Load());
        Assert.Contains("t10k-labels-idx1-ubyte", error.Message);

        File.Delete(Path.Combine(_folder.Path, "train-images-idx3-ubyte.gz"));
        var missing = Assert.Throws<FileNotFoundException>(() => new FashionMnistDataset(new DataSettings(), new FashionMnistOptions { Path = _folder.Path },
            InputContract.ImageNet, NullLogger<FashionMnistDataset>.Instance).Load());
        Assert.Contains(Path.Combine(_folder.Path, "train-images-idx3-ubyte"), missing.Message);
    }

    [Fact]
    public void The_debian_default_gives_way_to_the_source_path_where_it_does_not_exist()
    {
        var debian = Path.Combine(_folder.Path, "usr-share-datasets-fashion-mnist");
        var source = Path.Combine(_folder.Path, "Datasets");
        var underSource = Path.Combine(source, "fashion_mnist");

        // Nowhere: the error names both places and the flag, and the package only on a Debian-based system.
        var nowhere = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistDataset.Folder(debian, source, debian, debian: false));
        Assert.Equal($"Fashion-MNIST not found in {underSource} (--source_path/fashion_mnist) nor in {debian}: put the IDX files " +
            $"(train-images-idx3-ubyte.gz, ...) in {underSource} or name their folder with --fashion_mnist_path.", nowhere.Message);
        Assert.DoesNotContain("Debian", nowhere.Message);
        Assert.EndsWith($"--fashion_mnist_path; Debian's dataset-fashion-mnist package installs it in {debian}.",
            Assert.Throws<DirectoryNotFoundException>(() => FashionMnistDataset.Folder(debian, source, debian, debian: true)).Message);

        Directory.CreateDirectory(underSource);
        Assert.Equal(underSource, FashionMnistDataset.Folder(debian, source, debian, debian: false));
        Directory.CreateDirectory(debian);
        Assert.Equal(debian, FashionMnistDataset.Folder(debian, source, debian, debian: true));

        // A folder given with the flag is never replaced by another.
        var given = Path.Combine(_folder.Path, "elsewhere");
        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistDataset.Folder(given, source, debian, debian: false));
        Assert.Equal($"Fashion-MNIST folder {given} does not exist (--fashion_mnist_path).", error.Message);
    }
}
