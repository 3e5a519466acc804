using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Faults;

/// <summary>
/// What a run does when NIR's flow overflows (a flow learning rate far too large, so the first update sends every later
/// batch's likelihood past float64): <c>--on_nonfinite skip</c> stops after <c>--max_consecutive_skips</c>;
/// <c>--on_nonfinite rollback</c> goes back to its last good state at lower learning rates and finishes, the same with
/// the same seed, and resumes exactly.
/// </summary>
public sealed class NonFiniteRecoveryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>NIR at its default flow depth with the flow at 10x an already large rate: step 1 of epoch 0 overflows.</summary>
    private string[] Overflowing(string name, params string[] overrides) => FaultyPlugin.MicroRun(Path.Combine(_folder.Path, name),
        ["--loss", "nir", "--loss_nir_lrmulti", "10", "--n_epochs", "2", .. overrides]);

    private static readonly string[] Rollback = ["--on_nonfinite", "rollback", "--rollback_lr_factor", "0.1", "--rollback_every", "3"];

    [Fact]
    public void Skip_stops_with_a_message_after_max_consecutive_skips_instead_of_burning_the_epoch()
    {
        var observer = new RunCallbacks();
        var error = Assert.Throws<TrainingDivergedException>(() => HostHarness.Train(HostHarness.Catalog,
            HostHarness.Parse(Overflowing("skip", "--on_nonfinite", "skip", "--max_consecutive_skips", "3")), observer));

        Assert.Contains("3 steps in a row were not finite and skipped (--max_consecutive_skips)", error.Message);
        Assert.Contains("at epoch 0, step 3", error.Message);
        Assert.Equal([1, 2, 3], observer.Skipped.Select(s => s.Consecutive));
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(_folder.Path, "skip", "synthetic", "run", "summary.json")));
        Assert.Equal((RunStatus.Diverged, 3), (summary.Status, summary.SkippedSteps));
    }

    [Fact]
    public void Without_recovery_the_same_settings_stop_at_the_overflowing_step()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => HostHarness.Train(Overflowing("stop")));

        Assert.Contains("The loss of criterion 'nir' became +inf at epoch 0, step 1", error.Message);
        Assert.Contains("--on_nonfinite rollback", error.Message);
    }

    [Fact]
    public void Rollback_recovers_at_lower_learning_rates_finishes_and_gives_the_same_numbers_for_the_same_seed()
    {
        var observer = new RunCallbacks();
        var summary = HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(Overflowing("first", Rollback)), observer);

        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.Equal(2, summary.Epochs);
        var rollback = Assert.Single(observer.Rollbacks);
        Assert.Equal((0, 1, 0, 1), (rollback.Epoch, rollback.FailedStep, rollback.ToStep, rollback.Rollbacks));
        Assert.Contains("became +inf at epoch 0, step 1", rollback.Problem);
        // Model, proxies (--loss_nir_proxy_lrmulti 4000) and flow (--loss_nir_lrmulti 10), each a tenth of its rate.
        Assert.Equal(3, rollback.LearningRates.Count);
        foreach (var (expected, actual) in new[] { 0.0003, 1.2, 0.003 }.Zip(rollback.LearningRates))
        {
            Assert.Equal(expected, actual, 1e-12);
        }
        Assert.All(summary.TrainLoss, loss => Assert.True(double.IsFinite(loss)));
        var written = RunSummary.FromJson(File.ReadAllText(Path.Combine(summary.RunFolder, "summary.json")));
        Assert.Equal(1, written.Rollbacks);
        Assert.Equal(0.1, written.LearningRateScale, 12);
        // The run's own report shows it too.
        Assert.Contains("1 rollbacks, learning rates now x0.1", File.ReadAllText(Path.Combine(summary.RunFolder, "report.html")));

        var again = HostHarness.Train(Overflowing("second", Rollback));
        Assert.Equal(summary.TrainLoss, again.TrainLoss);
        Assert.Equal(summary.Metrics["Test"]["e_recall@1"].Last, again.Metrics["Test"]["e_recall@1"].Last);
    }

    [Fact]
    public void Rollback_stops_after_max_rollbacks_when_lowering_the_rates_does_not_help()
    {
        // A factor of 1 retries the same updates, so every rollback meets the same overflow.
        var observer = new RunCallbacks();
        var error = Assert.Throws<TrainingDivergedException>(() => HostHarness.Train(HostHarness.Catalog,
            HostHarness.Parse(Overflowing("stuck", "--on_nonfinite", "rollback", "--rollback_lr_factor", "1", "--max_rollbacks", "2")), observer));

        Assert.Contains("it already rolled back 2 time(s), the most --max_rollbacks allows", error.Message);
        Assert.Equal(2, observer.Rollbacks.Count);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(_folder.Path, "stuck", "synthetic", "run", "summary.json")));
        Assert.Equal((RunStatus.Diverged, 2), (summary.Status, summary.Rollbacks));
    }

    [Fact]
    public void A_run_with_a_rollback_interrupted_mid_epoch_and_between_epochs_resumes_exactly()
    {
        var uninterrupted = HostHarness.Train(Overflowing("whole", [.. Rollback, "--n_epochs", "3"]));
        Assert.Equal(1, uninterrupted.Rollbacks);

        // Stopped after step 0, before the overflow: the rollback point kept before step 0 travels in the checkpoint,
        // and the resumed run rolls back to it as the uninterrupted one did.
        var folder = Path.Combine(_folder.Path, "stopped", "synthetic", "run");
        using (var cancellation = new CancellationTokenSource())
        {
            var stepped = new RunCallbacks { Step = (epoch, steps) => { if (epoch == 0 && steps == 1) { cancellation.Cancel(); } } };
            Assert.Throws<TrainingInterruptedException>(() => HostHarness.Train(HostHarness.Catalog,
                HostHarness.Parse(Overflowing("stopped", [.. Rollback, "--n_epochs", "3"])), stepped, cancellation.Token));
        }
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(folder));
        var holdsPoint = tensors.Keys.Any(k => k.StartsWith("epoch.rollback.model.", StringComparison.Ordinal));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        Assert.True(holdsPoint, "the interrupted epoch's checkpoint holds no rollback point");
        Assert.Equal(0, CheckpointState.FromJson(metadata["nirhost.training_state"], folder).InEpoch!.Rollback!.Step);

        // Then stopped between epochs after the rollback, so that the lowered rates must come back from the checkpoint.
        using (var cancellation = new CancellationTokenSource())
        {
            var epochs = new RunCallbacks { EpochCheckpointed = completed => { if (completed == 1) { cancellation.Cancel(); } } };
            Assert.Throws<TrainingInterruptedException>(() => HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(["--resume", folder]), epochs, cancellation.Token));
        }
        var resumed = HostHarness.Train(["--resume", folder]);

        Assert.Equal((RunStatus.Completed, 1, 3), (resumed.Status, resumed.Rollbacks, resumed.Epochs));
        Assert.Equal(uninterrupted.TrainLoss, resumed.TrainLoss);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@1"].Last, resumed.Metrics["Test"]["e_recall@1"].Last);
        var (expected, _) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(uninterrupted.RunFolder));
        var (actual, _) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(folder));
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, tensor) in expected)
            {
                Assert.True(tensor.equal(actual[name]).all().item<bool>(), $"{name} differs after resuming");
            }
        }
        finally
        {
            foreach (var tensor in expected.Values.Concat(actual.Values))
            {
                tensor.Dispose();
            }
        }
    }
}
