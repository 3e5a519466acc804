using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>The run's observer contract, the quick start's preset, and what a user reads in a redirected log.</summary>
public sealed class RunObserverTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed class Recorder : IRunObserver
    {
        public List<string> Events { get; } = [];

        public void RunStarted(RunStarted run) => Events.Add($"started {(run.ResumedAt is null ? "new" : "resumed")}");

        public void EpochStarted(EpochStarted epoch) => Events.Add($"epoch {epoch.Epoch} of {epoch.Steps} steps{(epoch.Warmup ? " warmup" : "")}");

        public void StepCompleted(StepCompleted step) => Events.Add($"step {step.Epoch}.{step.Step}");

        public void StepsEnded(EpochStepsEnded steps) => Events.Add($"steps ended {steps.Epoch} after {steps.StepsDone}");

        public void SplitEvaluated(SplitEvaluated evaluation) => Events.Add($"evaluated {evaluation.Split} {string.Join(",", evaluation.Metrics.Keys)}");

        public void EpochCompleted(EpochCompleted epoch) => Events.Add($"completed {epoch.Epoch} {string.Join(",", epoch.Results.Keys)}");

        public void CheckpointWritten(CheckpointWritten checkpoint) => Events.Add($"checkpoint {checkpoint.CompletedEpochs} {Path.GetFileName(checkpoint.Path)}");

        public void RunEnded(RunEnded run) => Events.Add($"ended {run.Status}");
    }

    [Fact]
    public void An_observer_sees_every_step_evaluation_epoch_checkpoint_and_the_end_in_order()
    {
        var recorder = new Recorder();
        var args = FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "2", "--warmup", "1");
        HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(args), recorder);

        const int steps = FaultyPlugin.MicroStepsPerEpoch;
        List<string> expected = ["started new"];
        for (var epoch = 0; epoch < 2; epoch++)
        {
            expected.Add($"epoch {epoch} of {steps} steps{(epoch == 0 ? " warmup" : "")}");
            expected.AddRange(Enumerable.Range(1, steps).Select(step => $"step {epoch}.{step}"));
            expected.Add($"steps ended {epoch} after {steps}");
            expected.Add("evaluated Test e_recall@1");
            expected.Add($"completed {epoch} Test");
            expected.Add($"checkpoint {epoch + 1} checkpoint_last.safetensors");
        }
        expected.Add("ended completed");
        Assert.Equal(expected, recorder.Events);
    }

    [Fact]
    public void A_failing_run_tells_its_observers_how_it_ended()
    {
        var recorder = new Recorder();
        using var cancellation = new CancellationTokenSource();
        var callbacks = new RunCallbacks { Step = (_, step) => { if (step == 2) cancellation.Cancel(); } };
        var args = FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "2");
        Assert.Throws<TrainingInterruptedException>(() =>
            HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(args), new RunObserverList([recorder, callbacks]), cancellation.Token));
        Assert.Equal(["steps ended 0 after 2", "checkpoint 0 checkpoint_last.safetensors", "ended interrupted"], recorder.Events[^3..]);
    }

    [Fact]
    public void The_quick_start_with_another_loss_trains_that_loss_without_the_presets_nir_flags()
    {
        var flags = RunCommandLine.BuildFlags(HostHarness.Catalog);
        var preset = Quickstart.Arguments([], flags, HostHarness.Catalog);
        Assert.Contains("--loss_nir_w_align", preset);

        var oproxy = Quickstart.Arguments(["--loss", "oproxy"], flags, HostHarness.Catalog);
        Assert.DoesNotContain(oproxy, a => a.StartsWith("--loss_nir_", StringComparison.Ordinal));
        // The chosen criterion keeps its own preset flags, and the rest of the preset stays.
        Assert.Equal("100", oproxy[oproxy.ToList().IndexOf("--loss_oproxy_lrmulti") + 1]);
        Assert.Contains("--evaluation_metrics", oproxy);

        // A criterion without proxies trains (it used to be refused: "--loss_nir_w_align needs a proxy-based criterion").
        string[] tiny = ["--loss", "triplet", "--batch_mining", "semihard", "--n_epochs", "1", "--synthetic_classes", "8",
            "--synthetic_samples_per_class", "10", "--synthetic_image_size", "16", "--bs", "16", "--save_path", _folder.Path];
        var summary = HostHarness.Train(HostHarness.Catalog, RunCommandLine.Parse(flags, Quickstart.Arguments(tiny, flags, HostHarness.Catalog)));
        Assert.Equal(1, summary.Epochs);
        var config = File.ReadAllText(Path.Combine(summary.RunFolder, "config.json"));
        Assert.Contains("\"loss\": \"triplet\"", config);
        Assert.DoesNotContain("--loss_nir_w_align", config);
    }

    [Fact]
    public void Redirected_output_is_never_wrapped_and_shows_warmup_epochs()
    {
        // A save path far longer than any terminal: a wrapped log would split it.
        var savePath = Path.Combine(_folder.Path, string.Join('/', Enumerable.Repeat("a_rather_long_folder_name_to_overflow_eighty_columns", 3)));
        var args = FaultyPlugin.MicroRun(savePath, "--n_epochs", "2", "--warmup", "1");
        var output = DotnetCli.Run(_folder.Path, null, [Path.Combine(AppContext.BaseDirectory, "nirhost.dll"), .. args]);

        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var folder = Path.Combine(savePath, "synthetic", "run");
        Assert.Contains($"Run folder: {folder}", lines);
        Assert.Contains($"Summary: {Path.Combine(folder, "summary.json")}", lines);
        var epochs = lines.Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, epochs.Count);
        Assert.StartsWith("Epoch 0 (warmup): lr ", epochs[0]);
        Assert.StartsWith("Epoch 1: lr ", epochs[1]);
        Assert.All(epochs, line => Assert.Matches(@"\| loss [0-9.]+ \| Test e_recall@1 [0-9.]+ \| [0-9.]+s$", line));
        Assert.DoesNotContain("\u001b[", output);
    }
}
