using System.Text.Json.Nodes;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>Whole runs on the embedded dataset at tiny settings.</summary>
public sealed class EndToEndTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Training_beats_the_untrained_model_and_writes_the_run_folder()
    {
        // Learning rates of zero leave the network as initialised: the untrained baseline, same seed and data.
        var untrained = HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, "untrained"),
            "--n_epochs", "1", "--lr", "0", "--loss_oproxy_lrmulti", "0"));
        var trained = HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, "trained")));

        var before = untrained.Metrics["Test"]["e_recall@1"].Last;
        var after = trained.Metrics["Test"]["e_recall@1"].Best;
        Assert.True(after > before + 0.05, $"e_recall@1 after training {after:0.000} does not beat the untrained {before:0.000}");
        Assert.All(trained.TrainLoss, loss => Assert.True(double.IsFinite(loss)));
        Assert.True(trained.TrainLoss[^1] < trained.TrainLoss[0], "the training loss did not fall");

        var run = trained.RunFolder;
        Assert.Equal(Path.Combine(_folder.Path, "trained", "synthetic", "run"), run);
        foreach (var file in new[] { "Parameter_Info.txt", "config.json", "summary.json", "CSV_Logs/Data_Train.csv", "CSV_Logs/Data_Test.csv" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} is missing from the run folder");
        }
        var testLog = File.ReadAllLines(Path.Combine(run, "CSV_Logs", "Data_Test.csv"));
        Assert.Equal("epochs,e_recall@1,e_recall@2", testLog[0]);
        Assert.Equal(6, testLog.Length);
        var trainLog = File.ReadAllLines(Path.Combine(run, "CSV_Logs", "Data_Train.csv"));
        Assert.StartsWith("epochs,loss,time,e_recall@1,e_recall@2", trainLog[0]);
        // The original logger's files: one per logged group and split.
        Assert.Equal(["Data_Test.csv", "Data_Test_embeds_e_recall.csv", "Data_Train.csv", "Data_Train_embeds_e_recall.csv",
            "Data_Train_epochs.csv", "Data_Train_loss.csv", "Data_Train_time.csv"],
            Directory.GetFiles(Path.Combine(run, "CSV_Logs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var recallLog = File.ReadAllLines(Path.Combine(run, "CSV_Logs", "Data_Test_embeds_e_recall.csv"));
        Assert.Equal("e_recall@1,e_recall@2", recallLog[0]);
        Assert.Equal(testLog[1..].Select(line => line[(line.IndexOf(',') + 1)..]), recallLog[1..]);
        Assert.Equal(["loss", .. trainLog[1..].Select(line => line.Split(',')[1])], File.ReadAllLines(Path.Combine(run, "CSV_Logs", "Data_Train_loss.csv")));
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(5, summary.Epochs);
        Assert.Equal(after, summary.Metrics["Test"]["e_recall@1"].Best);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
        Assert.Equal("oproxy", config["flags"]!["loss"]!.GetValue<string>());
        Assert.Contains("--loss oproxy", config["command"]!.GetValue<string>());
    }

    [Fact]
    public void The_same_seed_gives_the_same_numbers()
    {
        string[] overrides = ["--n_epochs", "2", "--no_train_metrics"];
        var first = HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, "a"), overrides));
        var second = HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, "b"), overrides));
        var other = HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, "c"), [.. overrides, "--seed", "1"]));

        Assert.Equal(first.TrainLoss, second.TrainLoss);
        Assert.Equal(first.Metrics["Test"]["e_recall@1"].Last, second.Metrics["Test"]["e_recall@1"].Last);
        Assert.NotEqual(first.TrainLoss, other.TrainLoss);
    }

    [Fact]
    public void Store_improvements_writes_a_safetensors_checkpoint_with_model_and_proxies()
    {
        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path, "--n_epochs", "1", "--no_train_metrics", "--store_improvements"));
        var checkpoint = Path.Combine(summary.RunFolder, "checkpoint_Test_e_recall_1.safetensors");
        var tensors = NirHost.Host.IO.SafeTensorsFile.Read(checkpoint);
        try
        {
            Assert.Contains("criterion.proxies", tensors.Keys);
            Assert.Equal([10L, 32L], tensors["criterion.proxies"].shape);
            Assert.Contains(tensors.Keys, k => k.StartsWith("model.last_linear.", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
