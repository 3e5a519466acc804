using NirHost.Evaluation;
using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Faults;

/// <summary>A non-finite loss, gradient or embedding stops the run where it appears (or, on request, skips that step).</summary>
public sealed class NonFiniteTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FaultyPlugin _plugins = new();

    public void Dispose()
    {
        _plugins.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void A_nan_loss_stops_the_run_naming_epoch_step_criterion_and_term_and_keeps_the_last_good_checkpoint()
    {
        var nanStep = FaultyPlugin.MicroStepsPerEpoch + 2;
        var error = Assert.Throws<TrainingDivergedException>(() => _plugins.Train(FaultyPlugin.MicroRun(_folder.Path,
            "--loss", "faulty", "--faulty_nan_at_step", $"{nanStep}", "--n_epochs", "3", "--store_improvements")));

        Assert.Contains("criterion 'faulty'", error.Message);
        Assert.Contains("at epoch 1, step 2", error.Message);
        Assert.Contains("'poison' = NaN", error.Message);
        Assert.Contains("'cross-entropy' = ", error.Message);

        var run = Path.Combine(_folder.Path, "synthetic", "run");
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.Equal(1, summary.Epochs);
        Assert.Contains("at epoch 1, step 2", summary.Error);
        var checkpoint = SafeTensorsFile.Read(Path.Combine(run, "checkpoint_Test_e_recall_1.safetensors"));
        try
        {
            Assert.All(checkpoint.Values, t => Assert.True(t.dtype == ScalarType.Int64 || t.isfinite().all().item<bool>()));
        }
        finally
        {
            foreach (var tensor in checkpoint.Values)
            {
                tensor.Dispose();
            }
        }
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Skip_drops_the_non_finite_step_and_counts_it_in_the_summary()
    {
        var summary = _plugins.Train(FaultyPlugin.MicroRun(_folder.Path,
            "--loss", "faulty", "--faulty_nan_at_step", "3", "--n_epochs", "2", "--on_nonfinite", "skip"));

        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.Equal(1, summary.SkippedSteps);
        Assert.All(summary.TrainLoss, loss => Assert.True(double.IsFinite(loss)));
        var written = RunSummary.FromJson(File.ReadAllText(Path.Combine(summary.RunFolder, "summary.json")));
        Assert.Equal((RunStatus.Completed, 1), (written.Status, written.SkippedSteps));
    }

    [Fact]
    public void A_learning_rate_that_diverges_nir_stops_the_run_at_the_step_it_breaks()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => _plugins.Train(FaultyPlugin.MicroRun(_folder.Path,
            "--loss", "nir", "--lr", "5", "--loss_nir_lrmulti", "100", "--n_epochs", "2")));

        Assert.Contains("The loss of criterion 'nir' became NaN at epoch 0, step 1", error.Message);
        Assert.Contains($"non-finite term: '{NirHost.Plugins.Criteria.NirCriterion.FlowTerm}' = NaN", error.Message);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(_folder.Path, "synthetic", "run", "summary.json")));
        Assert.Equal(RunStatus.Diverged, summary.Status);
    }

    [Fact]
    public void Evaluation_refuses_non_finite_embeddings()
    {
        using var embeddings = randn(6, 4);
        embeddings[4, 1] = tensor(float.NaN);
        embeddings[5, 0] = tensor(float.PositiveInfinity);

        var error = Assert.Throws<NonFiniteEmbeddingsException>(() => new EvaluationData(embeddings, [0, 0, 1, 1, 2, 2], 3));

        Assert.Contains("2 of 6 embeddings", error.Message);
        Assert.Contains("sample 4", error.Message);
    }
}
