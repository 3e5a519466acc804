using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>A whole run on a tiny fake CUB200 tree with the real backbone and image pipeline.</summary>
public sealed class BenchmarkTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Resnet18_trains_an_epoch_on_a_fake_cub200_tree_and_evaluates_the_validation_split()
    {
        FakeImageTrees.Cub200(Path.Combine(_folder.Path, "data"), classes: 8, perClass: 6, width: 60, height: 45);
        var summary = HostHarness.Train(
            "--dataset", "cub200", "--source_path", Path.Combine(_folder.Path, "data"), "--crop_size", "32",
            "--use_tv_split", "--tv_split_perc", "0.75", "--tv_split_by_samples", "--kernels", "2",
            "--arch", "resnet18_frozen_normalize", "--not_pretrained", "--embed_dim", "16", "--fc_lr", "0.01",
            "--loss", "oproxy", "--bs", "8", "--samples_per_class", "2", "--n_epochs", "1",
            "--evaluation_metrics", "e_recall@1", "--device", "cpu",
            "--save_path", Path.Combine(_folder.Path, "runs"), "--savename", "run");

        Assert.Equal(1, summary.Epochs);
        Assert.True(double.IsFinite(summary.TrainLoss[0]));
        Assert.InRange(summary.Metrics["Test"]["e_recall@1"].Last, 0, 1);
        Assert.InRange(summary.Metrics["Val"]["e_recall@1"].Last, 0, 1);
        var validationLog = File.ReadAllLines(Path.Combine(summary.RunFolder, "CSV_Logs", "Data_Val.csv"));
        Assert.Equal("epochs,e_recall@1", validationLog[0]);
        Assert.Equal(2, validationLog.Length);
    }

    [Fact]
    public void Use_tv_split_on_a_dataset_without_validation_is_an_error()
    {
        var error = Assert.Throws<NirHost.Host.Cli.CommandLineException>(() => HostHarness.Train(HostHarness.TinyRun(
            Path.Combine(_folder.Path, "runs"), "--use_tv_split", "--tv_split_perc", "0.5", "--n_epochs", "1")));
        Assert.Contains("--dataset synthetic provides no validation split", error.Message);
    }
}
