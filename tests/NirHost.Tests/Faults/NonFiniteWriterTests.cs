using System.Globalization;
using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>
/// No writer of a run folder fails on NaN or an infinity, and each follows the one rule of <see cref="NonFiniteNumbers"/>:
/// .NET's invariant names NaN, Infinity and -Infinity (strings in JSON), read back as the same numbers.
/// </summary>
public sealed class NonFiniteWriterTests : IDisposable
{
    private static readonly double[] NonFinite = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Summary_json_writes_and_reads_back_non_finite_losses_and_metrics()
    {
        var summary = new RunSummary { TrainLoss = [.. NonFinite, 1.5] };
        summary.Record("Test", 0, new Dictionary<string, double> { ["e_recall@1"] = double.NaN, ["nmi"] = double.NegativeInfinity });

        var json = summary.ToJson();
        var back = RunSummary.FromJson(json);

        Assert.Contains("\"NaN\"", json);
        Assert.Contains("\"Infinity\"", json);
        Assert.Contains("\"-Infinity\"", json);
        Assert.Equal(summary.TrainLoss, back.TrainLoss);
        Assert.True(double.IsNaN(back.Metrics["Test"]["e_recall@1"].Last));
        Assert.Equal(double.NegativeInfinity, back.Metrics["Test"]["nmi"].Best);
    }

    [Fact]
    public void Config_json_keeps_flag_values_that_name_non_finite_numbers()
    {
        var folder = RunFolder.Create(_folder.Path, "synthetic", "config");
        folder.WriteParameters([("lr", double.NaN.ToString(CultureInfo.InvariantCulture)), ("gamma", double.PositiveInfinity.ToString(CultureInfo.InvariantCulture))],
            "nirhost train --lr NaN --gamma Infinity", ["--lr", "NaN", "--gamma", "Infinity"]);

        var config = RunConfigFile.Read(Path.Combine(folder.Path, RunConfigFile.FileName));

        Assert.Equal("NaN", config.Flags!["lr"]);
        Assert.Equal("Infinity", config.Flags["gamma"]);
        Assert.True(double.IsNaN(double.Parse(config.Flags["lr"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Checkpoint_training_state_writes_and_reads_back_non_finite_numbers()
    {
        // An epoch whose every step was skipped has a NaN mean loss; before this rule it made the checkpoint write fail.
        var state = new CheckpointState
        {
            CompletedEpochs = 2,
            LearningRates = [double.PositiveInfinity, 0.1],
            BestStorageMetrics = new Dictionary<string, double> { ["e_recall@1"] = double.NaN },
            Summary = new RunSummary { TrainLoss = [0.5, double.NaN] },
            InEpoch = new EpochProgress { StepsDone = 3, Losses = [double.NegativeInfinity, 1], RandomState = [1, 2] },
        };

        var back = CheckpointState.FromJson(state.ToJson(), "test");

        Assert.Equal(state.LearningRates, back.LearningRates);
        Assert.True(double.IsNaN(back.BestStorageMetrics["e_recall@1"]));
        Assert.Equal(state.Summary.TrainLoss, back.Summary.TrainLoss);
        Assert.Equal(state.InEpoch.Losses, back.InEpoch!.Losses);
    }

    [Fact]
    public void Csv_logs_write_non_finite_values_as_their_invariant_names()
    {
        var folder = RunFolder.Create(_folder.Path, "synthetic", "csv");
        folder.AppendCsv("Train", [("epochs", 0), ("loss", double.NaN), ("time", double.PositiveInfinity), ("e_recall@1", double.NegativeInfinity)]);
        folder.AppendOriginalCsv("Test", [], new Dictionary<string, double> { ["e_recall@1"] = double.NaN });

        var lines = File.ReadAllLines(Path.Combine(folder.Path, "CSV_Logs", "Data_Train.csv"));

        Assert.Equal(["epochs,loss,time,e_recall@1", "0,NaN,Infinity,-Infinity"], lines);
        Assert.Equal([0, double.NaN, double.PositiveInfinity, double.NegativeInfinity],
            lines[1].Split(',').Select(cell => double.Parse(cell, CultureInfo.InvariantCulture)));
        Assert.Equal("NaN", File.ReadAllLines(Path.Combine(folder.Path, "CSV_Logs", "Data_Test_embeds_e_recall.csv"))[1]);
    }

    [Fact]
    public void TensorBoard_logs_non_finite_scalars_as_floats()
    {
        var log = new TensorBoardLog(_folder.Path, "project", "group", "command", firstEpoch: 1);
        for (var i = 0; i < NonFinite.Length; i++)
        {
            log.Scalar("Train/loss", NonFinite[i], i);
        }

        var events = TensorBoardEvents.Read(Assert.Single(Directory.GetFiles(log.Folder, "events.out.tfevents.*")));
        var values = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value).Where(v => v.Tag == "Train/loss")
            .Select(v => (double)v.SimpleValue).ToList();

        Assert.Equal(NonFinite, values);
    }

    [Fact]
    public void A_run_whose_second_epoch_is_skipped_entirely_completes_and_every_writer_records_its_nan_loss()
    {
        // The overflowing flow of NonFiniteRecoveryTests: after step 0 every batch overflows, so epoch 1 has no loss at all.
        var summary = HostHarness.Train(FaultyPlugin.MicroRun(_folder.Path, "--loss", "nir", "--loss_nir_lrmulti", "10", "--n_epochs", "2",
            "--on_nonfinite", "skip", "--max_consecutive_skips", "100", "--log_online"));

        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.Equal(2 * FaultyPlugin.MicroStepsPerEpoch - 1, summary.SkippedSteps);
        Assert.True(double.IsNaN(summary.TrainLoss[1]));
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(summary.RunFolder));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        var state = CheckpointState.FromJson(metadata["nirhost.training_state"], summary.RunFolder);
        Assert.Equal(2, state.CompletedEpochs);
        Assert.True(double.IsNaN(state.Summary.TrainLoss[1]));
        Assert.StartsWith("1,NaN,", File.ReadAllLines(Path.Combine(summary.RunFolder, "CSV_Logs", "Data_Train.csv"))[2]);
        var events = TensorBoardEvents.Read(Assert.Single(Directory.GetFiles(Path.Combine(summary.RunFolder, TensorBoardLog.FolderName), "events.out.tfevents.*")));
        Assert.Contains(events, e => e.Step == 1 && e.Summary is not null && e.Summary.Value.Any(v => v.Tag == "Train/loss" && float.IsNaN(v.SimpleValue)));
    }
}
