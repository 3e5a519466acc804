using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>
/// Ctrl+C and SIGTERM: the step in flight finishes, a checkpoint holding the epoch's progress is written, the run
/// says it was interrupted, and --resume continues with the next step exactly as if the run had never stopped.
/// </summary>
public sealed class InterruptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Runs whose remaining steps depend on more than the weights: a miner drawing from the trainer's generator
    /// (distance-weighted sampling with the margin loss), and a storage sampler whose stored embeddings change with every
    /// step (soft greedy coreset, which also draws at random), interrupted in its second epoch.
    /// </summary>
    public static TheoryData<string, int, string[]> Runs => new()
    {
        { "oproxy", 1, [] },
        { "margin-distance", 0, ["--loss", "margin", "--batch_mining", "distance"] },
        { "coreset", 1, ["--data_sampler", "greedy_coreset", "--data_gc_softened", "--data_batchmatch_bigbs", "24"] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void Cancelling_mid_epoch_saves_the_step_and_resume_continues_there_as_if_never_stopped(string name, int epoch, string[] flags)
    {
        using var plugins = new FaultyPlugin();
        using var cancellation = new CancellationTokenSource();
        var uninterrupted = plugins.Train(FaultyPlugin.MicroRun(Path.Combine(_folder.Path, name, "whole"), ["--n_epochs", "2", .. flags]));
        var steps = new List<(int Epoch, int Step)>();

        var error = Assert.Throws<TrainingInterruptedException>(() => plugins.Train(
            FaultyPlugin.MicroRun(Path.Combine(_folder.Path, name), ["--n_epochs", "2", .. flags]), cancellation.Token, (e, step) =>
            {
                steps.Add((e, step));
                if ((e, step) == (epoch, 2))
                {
                    cancellation.Cancel();
                }
            }));

        Assert.Equal((epoch, 2), steps[^1]);
        var run = Path.Combine(_folder.Path, name, "synthetic", "run");
        Assert.Contains($"epoch {epoch} after step 2. {epoch} completed epoch(s) and 2 step(s) of epoch {epoch} are saved; " +
            $"nirhost --resume {run} continues at epoch {epoch}, step 2", error.Message);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal((RunStatus.Interrupted, epoch), (summary.Status, summary.Epochs));
        var state = ReadState(run);
        Assert.Equal((epoch, 2, 2), (state.CompletedEpochs, state.InEpoch!.StepsDone, state.InEpoch.Losses.Count));

        var resumedSteps = new List<(int Epoch, int Step)>();
        var resumed = plugins.Train(["--resume", run], afterStep: (e, step) => resumedSteps.Add((e, step)));

        // Only the steps not done before: the rest of the interrupted epoch, then the next epochs.
        Assert.Equal((epoch, 3), resumedSteps[0]);
        Assert.Equal((2 - epoch) * FaultyPlugin.MicroStepsPerEpoch - 2, resumedSteps.Count);
        Assert.Equal((RunStatus.Completed, 2), (resumed.Status, resumed.Epochs));
        Assert.Null(resumed.Error);
        Assert.Equal(uninterrupted.TrainLoss, resumed.TrainLoss);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@1"].Last, resumed.Metrics["Test"]["e_recall@1"].Last);
        Assert.Null(ReadState(run).InEpoch);
        AssertSameCheckpoints(uninterrupted.RunFolder, run);
    }

    [Fact]
    public void A_checkpoint_whose_interrupted_epoch_entries_are_missing_is_refused_naming_it()
    {
        using var plugins = new FaultyPlugin();
        using var cancellation = new CancellationTokenSource();
        Assert.Throws<TrainingInterruptedException>(() => plugins.Train(FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "1"), cancellation.Token,
            (_, step) =>
            {
                if (step == 1)
                {
                    cancellation.Cancel();
                }
            }));
        var run = Path.Combine(_folder.Path, "synthetic", "run");
        var checkpoint = TrainingCheckpoint.PathIn(run);
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(checkpoint);
        try
        {
            Assert.Contains("epoch.seeds", tensors.Keys);
            SafeTensorsFile.Write(checkpoint, tensors.Where(t => t.Key != "epoch.seeds").ToDictionary(), metadata);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }

        var refused = Assert.Throws<InvalidDataException>(() => plugins.Train(["--resume", run]));
        Assert.Contains($"{checkpoint} records an interrupted epoch but lacks its entry epoch.seeds", refused.Message);
    }

    internal static CheckpointState ReadState(string run)
    {
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(run));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        return CheckpointState.FromJson(metadata["nirhost.training_state"], run);
    }

    /// <summary>Weights, criterion, optimizer moments and sampler storage agree bit for bit.</summary>
    internal static void AssertSameCheckpoints(string expectedRun, string actualRun)
    {
        var (expected, _) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(expectedRun));
        var (actual, _) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(actualRun));
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, tensor) in expected)
            {
                Assert.True(tensor.shape.SequenceEqual(actual[name].shape) && tensor.equal(actual[name]).all().item<bool>(), $"{name} differs after resuming");
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
