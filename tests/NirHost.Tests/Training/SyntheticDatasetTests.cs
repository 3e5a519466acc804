using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Plugins.Architectures;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

public sealed class SyntheticDatasetTests
{
    private static DatasetSplitsDigest Digest(int seed)
    {
        var dataset = new SyntheticDataset(new SyntheticOptions { Classes = 6, SamplesPerClass = 3, Seed = seed }, new DataSettings(),
            ConvNetArchitecture.InputFor(ComponentSpec.Plain("convnet")), NullLogger<SyntheticDataset>.Instance);
        var splits = dataset.Load();
        using var train = splits.Training.LoadBatch(Enumerable.Range(0, splits.Training.Count).ToArray(), augmentation: null);
        using var test = splits.Testing.LoadBatch(Enumerable.Range(0, splits.Testing.Count).ToArray(), augmentation: null);
        return new DatasetSplitsDigest(
            Convert.ToHexString(SHA256.HashData(train.bytes)),
            Convert.ToHexString(SHA256.HashData(test.bytes)),
            splits.Training.NumClasses, splits.Testing.NumClasses, splits.Training.Count);
    }

    private sealed record DatasetSplitsDigest(string Train, string Test, int TrainClasses, int TestClasses, int TrainCount);

    [Fact]
    public void Classes_split_in_halves_like_CUB200()
    {
        var digest = Digest(0);
        Assert.Equal((3, 3, 9), (digest.TrainClasses, digest.TestClasses, digest.TrainCount));
    }

    [Fact]
    public void The_dataset_seed_fixes_every_image_and_another_seed_changes_them()
    {
        Assert.Equal(Digest(0), Digest(0));
        Assert.NotEqual(Digest(0).Train, Digest(1).Train);
    }

    // .NET randomises string and HashCode hashing per process; the dataset must not depend on it.
    [Fact]
    public void Images_are_identical_across_processes()
    {
        using var runs = new TempFolder();
        string[] args =
        [
            "--dataset", "synthetic", "--arch", "convnet_normalize",
            "--loss", "oproxy", "--synthetic_classes", "6", "--synthetic_samples_per_class", "4", "--bs", "4", "--n_epochs", "1",
            "--embed_dim", "8", "--evaluation_metrics", "e_recall@1", "--device", "cpu", "--no_train_metrics",
            "--save_path", runs.Path,
        ];
        string RunOnce()
        {
            var (exit, output, error) = DotnetCli.Nirhost(args);
            Assert.True(exit == 0, error);
            return string.Join('\n', output.Split('\n').Where(l => l.StartsWith("Epoch 0:", StringComparison.Ordinal)).Select(l => l[..l.LastIndexOf('|')]));
        }
        var first = RunOnce();
        Assert.Contains("e_recall@1", first);
        Assert.Equal(first, RunOnce());
    }
}
