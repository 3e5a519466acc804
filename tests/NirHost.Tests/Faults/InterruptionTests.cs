using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>Ctrl+C and SIGTERM: the step in flight finishes, the run is saved and says it was interrupted.</summary>
public sealed class InterruptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Cancelling_mid_epoch_finishes_the_step_and_marks_the_run_interrupted()
    {
        using var plugins = new FaultyPlugin();
        using var cancellation = new CancellationTokenSource();
        var steps = new List<(int Epoch, int Step)>();

        var error = Assert.Throws<TrainingInterruptedException>(() => plugins.Train(
            FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "3"), cancellation.Token, (epoch, step) =>
            {
                steps.Add((epoch, step));
                if ((epoch, step) == (1, 3))
                {
                    cancellation.Cancel();
                }
            }));

        Assert.Equal((1, 3), steps[^1]);
        Assert.Contains("epoch 1 after step 3", error.Message);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(_folder.Path, "synthetic", "run", "summary.json")));
        Assert.Equal((RunStatus.Interrupted, 1), (summary.Status, summary.Epochs));
    }
}
