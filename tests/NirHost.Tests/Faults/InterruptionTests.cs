using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>Ctrl+C and SIGTERM: the step in flight finishes, the run is saved and says it was interrupted.</summary>
public sealed class InterruptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Cancelling_mid_epoch_finishes_the_step_marks_the_run_interrupted_and_resume_ends_it_as_if_never_stopped()
    {
        using var plugins = new FaultyPlugin();
        using var cancellation = new CancellationTokenSource();
        var steps = new List<(int Epoch, int Step)>();
        var uninterrupted = plugins.Train(FaultyPlugin.MicroRun(Path.Combine(_folder.Path, "whole"), "--n_epochs", "2"));

        var error = Assert.Throws<TrainingInterruptedException>(() => plugins.Train(
            FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "2"), cancellation.Token, (epoch, step) =>
            {
                steps.Add((epoch, step));
                if ((epoch, step) == (1, 2))
                {
                    cancellation.Cancel();
                }
            }));

        Assert.Equal((1, 2), steps[^1]);
        var run = Path.Combine(_folder.Path, "synthetic", "run");
        Assert.Contains($"epoch 1 after step 2. 1 completed epoch(s) are saved; nirhost --resume {run} continues at epoch 1", error.Message);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal((RunStatus.Interrupted, 1), (summary.Status, summary.Epochs));

        var resumed = plugins.Train(["--resume", run]);

        Assert.Equal((RunStatus.Completed, 2), (resumed.Status, resumed.Epochs));
        Assert.Null(resumed.Error);
        Assert.Equal(uninterrupted.TrainLoss, resumed.TrainLoss);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@1"].Last, resumed.Metrics["Test"]["e_recall@1"].Last);
        Assert.Equal(RunStatus.Completed, RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json"))).Status);
    }
}
