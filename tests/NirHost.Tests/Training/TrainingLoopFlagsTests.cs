using NirHost.Host.Composition;
using System.Text;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>The original's training flags: run naming, --log_online, --scheduler, --optim, --use_float16.</summary>
public sealed class TrainingLoopFlagsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Log_online_writes_tensorboard_events_for_every_epoch_under_a_group_plus_seed_folder()
    {
        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path,
            "--savename", "group_plus_seed", "--log_online", "--group", "tiny", "--project", "proj", "--seed", "3",
            "--n_epochs", "2", "--scheduler", "exponential", "--gamma", "0.5", "--synthetic_samples_per_class", "12", "--synthetic_image_size", "16"));

        Assert.Equal(Path.Combine(_folder.Path, "synthetic", "tiny_s3"), summary.RunFolder);
        var files = Directory.GetFiles(Path.Combine(summary.RunFolder, TensorBoardLog.FolderName), "events.out.tfevents.*");
        var events = TensorBoardEvents.Read(Assert.Single(files));
        Assert.Equal("brain.Event:2", events[0].FileVersion);

        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v.Tag, v.SimpleValue, Value: v))).ToList();
        foreach (var tag in new[] { "Train/loss", "Train/time", "lr/model", "Test/e_recall@1", "Test/e_recall@2", "Train/e_recall@1" })
        {
            Assert.Equal([0L, 1L], scalars.Where(s => s.Tag == tag).Select(s => s.Step).Order());
        }
        // --scheduler exponential: the model's rate halves after every epoch.
        Assert.Equal(0.003f, scalars.Single(s => s.Tag == "lr/model" && s.Step == 0).SimpleValue);
        Assert.Equal(0.0015f, scalars.Single(s => s.Tag == "lr/model" && s.Step == 1).SimpleValue);
        Assert.Equal((float)summary.TrainLoss[1], scalars.Single(s => s.Tag == "Train/loss" && s.Step == 1).SimpleValue);
        Assert.Equal((float)summary.Metrics["Test"]["e_recall@1"].Last, scalars.Single(s => s.Tag == "Test/e_recall@1" && s.Step == 1).SimpleValue);
        var project = scalars.Single(s => s.Tag == "run/project/text_summary").Value.Tensor.StringVal.Single().ToStringUtf8();
        Assert.Equal("proj", project);
        Assert.Equal("tiny", scalars.Single(s => s.Tag == "run/group/text_summary").Value.Tensor.StringVal.Single().ToStringUtf8());

        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(summary.RunFolder));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        var state = CheckpointState.FromJson(metadata["nirhost.training_state"], "checkpoint");
        Assert.Equal(0.00075, state.LearningRates[0], 15);
    }

    [Fact]
    public void Run_names_follow_the_original()
    {
        var now = new DateTime(2026, 3, 4, 5, 6, 7);
        Assert.Equal("SYNTHETIC_CONVNET_NORMALIZE_2026-3-4-5-6-7",
            RunFolder.RunName(new RunOptions { Group = "g" }, "synthetic", "convnet_normalize", 2, now));
        Assert.Equal("g_s2", RunFolder.RunName(new RunOptions { Group = "g", LogOnline = true }, "synthetic", "convnet", 2, now));
        Assert.Equal("mine", RunFolder.RunName(new RunOptions { Savename = "mine", LogOnline = true }, "synthetic", "convnet", 2, now));

        var first = RunFolder.Create(_folder.Path, "cub200", "mine");
        var second = RunFolder.Create(_folder.Path, "cub200", "mine");
        var third = RunFolder.Create(_folder.Path, "cub200", "mine");
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine"), first.Path);
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine_1"), second.Path);
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine_2"), third.Path);
    }

    [Fact]
    public void Float16_is_refused_with_the_reason_before_anything_is_written()
    {
        var configuration = HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--use_float16"));
        var error = Assert.Throws<CommandLineException>(() => RunValidation.Validate(configuration, HostHarness.Catalog));
        Assert.StartsWith("--use_float16 is not available: mixed precision needs autocast", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void The_original_optimizers_are_accepted_and_others_named(string name)
    {
        RunValidation.Validate(HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--optim", name, "--scheduler", "none")), HostHarness.Catalog);
        var error = Assert.Throws<CommandLineException>(() => HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--optim", "rmsprop")));
        Assert.Contains("rmsprop", error.Message);
    }

    [Fact]
    public void Grad_clip_bounds_every_update_and_is_off_by_default()
    {
        // SGD moves each weight by lr times its (clipped) gradient plus momentum: with a clip of 1e-12 the weights after
        // the second epoch are those after the first, while without a clip they move.
        string[] Sgd(string name, params string[] extra) => HostHarness.TinyRun(Path.Combine(_folder.Path, name),
            ["--optim", "sgd", "--n_epochs", "2", "--no_train_metrics", "--synthetic_samples_per_class", "12", "--synthetic_image_size", "16", .. extra]);
        var clipped = HostHarness.Train(Sgd("clipped", "--grad_clip", "1e-12"));
        var free = HostHarness.Train(Sgd("free"));

        Assert.True(LargestChange(clipped.RunFolder) < 1e-9, $"clipped weights moved by {LargestChange(clipped.RunFolder)}");
        Assert.True(LargestChange(free.RunFolder) > 1e-6, $"unclipped weights moved by only {LargestChange(free.RunFolder)}");
        Assert.Equal(0, HostHarness.Parse(HostHarness.TinyRun(_folder.Path)).Get<OptimizationOptions>().GradClip);
    }

    /// <summary>Largest change of a trained weight (not a batch-norm statistic) between the previous and the last checkpoint.</summary>
    private static double LargestChange(string runFolder)
    {
        var before = SafeTensorsFile.Read(Path.Combine(runFolder, TrainingCheckpoint.PreviousFileName));
        var after = SafeTensorsFile.Read(TrainingCheckpoint.PathIn(runFolder));
        try
        {
            return before.Where(pair => pair.Key.StartsWith("model.", StringComparison.Ordinal) && !pair.Key.Contains("running_", StringComparison.Ordinal)
                    && !pair.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                .Max(pair => (after[pair.Key] - pair.Value).abs().max().item<float>());
        }
        finally
        {
            foreach (var tensor in before.Values.Concat(after.Values))
            {
                tensor.Dispose();
            }
        }
    }
}
