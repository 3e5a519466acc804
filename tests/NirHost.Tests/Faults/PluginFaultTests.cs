using NirHost.Host.Composition;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>Failures inside plugin components and native allocations: clear errors, and the run folder keeps what it had.</summary>
public sealed class PluginFaultTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FaultyPlugin _plugins = new();

    public void Dispose()
    {
        _plugins.Dispose();
        _folder.Dispose();
    }

    private string Run => Path.Combine(_folder.Path, "synthetic", "run");

    [Fact]
    public void An_exception_in_a_plugin_names_the_assembly_the_component_and_its_kind()
    {
        var error = Assert.Throws<ComponentException>(() => _plugins.Train(FaultyPlugin.MicroRun(_folder.Path,
            "--loss", "faulty", "--faulty_throw_at_step", "7", "--n_epochs", "2")));

        Assert.StartsWith("Criterion 'faulty' (NirHost.TestPlugins.Faulty.FaultyCriterion in ", error.Message);
        Assert.Contains(Path.Combine("Criteria", "NirHost.TestPlugins.Faulty", "NirHost.TestPlugins.Faulty.dll"), error.Message);
        Assert.Contains("InvalidOperationException while computing the loss at epoch 1, step 2: deliberate failure at step 7", error.Message);

        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(Run, "summary.json")));
        Assert.Equal((RunStatus.Failed, 1), (summary.Status, summary.Epochs));
        Assert.Contains("deliberate failure", summary.Error);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(Run, "CSV_Logs", "Data_Test.csv")).Length);
        Assert.True(File.Exists(Path.Combine(Run, "Parameter_Info.txt")));
    }

    [Fact]
    public void A_native_allocation_failure_is_reported_with_the_batch_size_and_a_suggestion()
    {
        var error = Assert.Throws<TrainingOutOfMemoryException>(() => _plugins.Train(FaultyPlugin.MicroRun(_folder.Path,
            "--loss", "faulty", "--faulty_alloc_at_step", "1", "--n_epochs", "1")));

        Assert.Contains("Out of memory on cpu while training at epoch 0, step 1 with --bs 8", error.Message);
        Assert.Contains("--bs 4", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.Equal(RunStatus.Failed, RunSummary.FromJson(File.ReadAllText(Path.Combine(Run, "summary.json"))).Status);
    }
}
