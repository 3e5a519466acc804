using NirHost.Host.Composition;
using NirHost.Host;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using Spectre.Console;

namespace NirHost.Tests.Samplers;

/// <summary>A storage sampler in a real run: the host embeds the training set for it and training proceeds.</summary>
public sealed class StorageSamplerTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_greedy_coreset_run_embeds_the_training_set_before_each_epoch_with_full_updates_and_trains()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
        });
        var args = HostHarness.TinyRun(_folder.Path, "--n_epochs", "2", "--no_train_metrics",
            "--data_sampler", "greedy_coreset", "--data_batchmatch_bigbs", "64", "--data_idx_full_prec");
        var summary = HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(args), new NirHost.Host.Reporting.ConsoleRunReporter(console));

        Assert.Equal(2, summary.Epochs);
        Assert.All(summary.TrainLoss, loss => Assert.True(double.IsFinite(loss)));
        var text = output.ToString();
        // Before epoch 0 (the storage) and epoch 1 (--data_idx_full_prec rebuilds it).
        Assert.Equal(2, text.Split("Embedded the training set for the data sampler").Length - 1);
    }
}
