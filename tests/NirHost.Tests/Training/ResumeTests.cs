using NirHost.Host.Composition;
using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

/// <summary>
/// --resume continues a stopped run exactly: the same losses, metrics, weights, proxies, flow and optimizer
/// state as a run that was never stopped.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Three steps an epoch on 16-pixel images.</summary>
    private static readonly string[] Small = ["--synthetic_samples_per_class", "12", "--synthetic_image_size", "16"];

    /// <summary>NIR with input noise, so the flow, its permutations and the per-step libtorch draws all take part.</summary>
    private string[] Run(string name, params string[] overrides) => HostHarness.TinyRun(Path.Combine(_folder.Path, name),
    [
        "--loss", "nir", "--loss_nir_nf_cblocks", "2", "--loss_nir_nf_fc_width", "16", "--loss_nir_noise", "0.05",
        "--loss_nir_proxy_lrmulti", "100", "--loss_nir_lrmulti", "5", "--loss_nir_w_align", "0.1",
        "--n_epochs", "3", "--tau", "1", "2", "--gamma", "0.5", "--no_train_metrics", .. Small, .. overrides,
    ]);

    /// <summary>Trains until <paramref name="stopAfter"/> epochs are complete, then stops as a kill between epochs would.</summary>
    private static void TrainAndStop(string[] args, int stopAfter)
    {
        using var cancellation = new CancellationTokenSource();
        var reporter = new RunCallbacks
        {
            EpochCheckpointed = completed =>
            {
                if (completed == stopAfter)
                {
                    cancellation.Cancel();
                }
            },
        };
        var stopped = Assert.Throws<TrainingInterruptedException>(() =>
            HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(args), reporter, cancellation.Token));
        Assert.Contains($"{stopAfter} completed epoch(s) are saved; nirhost --resume", stopped.Message);
    }

    private static void KillAfterFirstCheckpoint(string[] args, string checkpoint)
    {
        using var process = DotnetCli.StartNirhost(args);
        _ = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(checkpoint) && !process.HasExited && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
        Assert.False(process.HasExited, $"nirhost ended before it could be killed: {error.Result}");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    private static int CompletedEpochs(string folder)
    {
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(folder));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        return CheckpointState.FromJson(metadata["nirhost.training_state"], folder).CompletedEpochs;
    }

    private static RunSummary Resume(string runFolder, params string[] extra) => HostHarness.Train(["--resume", runFolder, .. extra]);

    [Fact]
    public void A_run_killed_then_stopped_and_resumed_ends_exactly_like_an_uninterrupted_one()
    {
        var uninterrupted = HostHarness.Train(Run("whole"));

        // A real kill: the nirhost process is killed as soon as its first checkpoint exists, in the middle of
        // its second epoch; then a resumed run is stopped between epochs.
        var folder = Path.Combine(_folder.Path, "stopped", "synthetic", "run");
        // (On a heavily loaded machine the process may get further before the kill lands; the run must still
        // end the same.)
        KillAfterFirstCheckpoint(Run("stopped"), TrainingCheckpoint.PathIn(folder));
        if (CompletedEpochs(folder) < 2)
        {
            TrainAndStop(["--resume", folder], stopAfter: 2);
        }
        var completed = CompletedEpochs(folder);

        // A kill in the middle of writing the next checkpoint, after that epoch's logs were written: half a temporary
        // checkpoint and one CSV row too many. The last complete checkpoint must win.
        var checkpoint = TrainingCheckpoint.PathIn(folder);
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint + ".tmp", bytes[..(bytes.Length / 2)]);
        File.AppendAllText(Path.Combine(folder, "CSV_Logs", "Data_Test.csv"), $"{completed},0.5,0.5\n");

        var resumed = Resume(folder, "--device", "cpu");

        Assert.Equal(folder, resumed.RunFolder);
        Assert.False(File.Exists(checkpoint + ".tmp"));
        Assert.Equal(3, resumed.Epochs);
        Assert.Equal(completed, resumed.ResumedAtEpochs[^1]);
        Assert.Equal(uninterrupted.TrainLoss, resumed.TrainLoss);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@1"].Last, resumed.Metrics["Test"]["e_recall@1"].Last);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@2"].Best, resumed.Metrics["Test"]["e_recall@2"].Best);
        // Every log but the wall-clock times is identical.
        var logs = Directory.GetFiles(Path.Combine(uninterrupted.RunFolder, "CSV_Logs")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(logs, Directory.GetFiles(Path.Combine(folder, "CSV_Logs")).Select(Path.GetFileName).Order());
        foreach (var log in logs.Where(l => l is not "Data_Train.csv" and not "Data_Train_time.csv"))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(uninterrupted.RunFolder, "CSV_Logs", log!)), File.ReadAllText(Path.Combine(folder, "CSV_Logs", log!)));
        }
        Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "CSV_Logs", "Data_Train.csv")).Length);

        // Every tensor of the final checkpoints agrees bit for bit: weights, proxies, flow (with its
        // permutations), Adam's moments and step counts.
        var (expected, expectedMetadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(uninterrupted.RunFolder));
        var (actual, _) = SafeTensorsFile.ReadWithMetadata(checkpoint);
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            Assert.Contains("criterion.proxies", expected.Keys);
            Assert.Contains(expected.Keys, k => k.EndsWith(".perm", StringComparison.Ordinal));
            Assert.Contains(expected.Keys, k => k.EndsWith(".exp_avg_sq", StringComparison.Ordinal));
            foreach (var (name, tensor) in expected)
            {
                Assert.True(tensor.shape.SequenceEqual(actual[name].shape) && tensor.equal(actual[name]).all().item<bool>(), $"{name} differs after resuming");
            }
            Assert.Contains("\"completed_epochs\":3", expectedMetadata["nirhost.training_state"]);
        }
        finally
        {
            foreach (var tensor in expected.Values.Concat(actual.Values))
            {
                tensor.Dispose();
            }
        }

        // Resuming a finished run trains nothing more.
        var again = Resume(folder);
        Assert.Equal(3, again.Epochs);
        Assert.Equal(uninterrupted.TrainLoss, again.TrainLoss);
    }

    [Fact]
    public void Resume_keeps_the_run_flags_refuses_changes_and_names_a_corrupt_checkpoint()
    {
        var args = HostHarness.TinyRun(_folder.Path, ["--n_epochs", "2", "--no_train_metrics", "--no_test_metrics", .. Small]);
        TrainAndStop(args, stopAfter: 1);
        var folder = Path.Combine(_folder.Path, "synthetic", "run");

        var changed = Assert.Throws<CommandLineException>(() => HostHarness.Parse("--resume", folder, "--lr", "0.1"));
        Assert.Contains("--lr 0.1 differs from the run's 0.003", changed.Message);

        // Giving the run's own flags again, or only where it runs, is fine; the rest comes from config.json.
        var same = HostHarness.Parse([.. args, "--resume", folder, "--kernels", "1"]);
        Assert.Equal(0.003, (double)same.Value("lr"));
        Assert.Equal(1, (int)same.Value("kernels"));
        Assert.Equal(Path.GetFullPath(folder), (string)same.Value("resume"));

        var missing = Assert.Throws<CommandLineException>(() => HostHarness.Parse("--resume", Path.Combine(_folder.Path, "nowhere")));
        Assert.Contains("no config.json", missing.Message);

        var copy = Path.Combine(_folder.Path, "copy");
        CopyFolder(folder, copy);
        var summary = Resume(folder);
        Assert.Equal(2, summary.Epochs);
        Assert.Equal(2, summary.TrainLoss.Count);

        var checkpoint = TrainingCheckpoint.PathIn(copy);
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..100]);
        var error = Assert.Throws<InvalidDataException>(() => Resume(copy));
        Assert.Contains(checkpoint, error.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to));
        }
    }
}
