using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>
/// Files are written through a temporary file and a rename; a write that fails says where and why. The tests run
/// as root, whom permissions do not stop, so the writes are made to fail by what stands at the path instead.
/// </summary>
public sealed class WriteFailureTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_save_path_below_a_regular_file_is_an_error_naming_the_folder()
    {
        var file = Path.Combine(_folder.Path, "not-a-folder");
        File.WriteAllText(file, "");

        var error = Assert.Throws<IOException>(() => HostHarness.Train(FaultyPlugin.MicroRun(Path.Combine(file, "results"), "--n_epochs", "1")));

        Assert.Contains($"Cannot create the run folder {Path.Combine(file, "results", "synthetic", "run")}", error.Message);
        Assert.Contains("--save_path", error.Message);
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_stops_the_run_naming_the_file_and_leaves_no_partial_file()
    {
        using var plugins = new FaultyPlugin();
        var run = Path.Combine(_folder.Path, "synthetic", "run");
        var checkpoint = Path.Combine(run, "checkpoint_Test_e_recall_1.safetensors");

        // A non-empty folder where the checkpoint is to go, made once the run folder exists: no rename can replace it.
        var error = Assert.Throws<IOException>(() => plugins.Train(
            FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "2", "--store_improvements"),
            afterStep: (_, _) => Directory.CreateDirectory(Path.Combine(checkpoint, "occupied"))));

        Assert.StartsWith($"Could not write {checkpoint}: ", error.Message);
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(RunStatus.Failed, summary.Status);
        Assert.Contains(checkpoint, summary.Error);
    }

    [Fact]
    public void A_failed_rewrite_names_the_file_and_keeps_its_previous_version_whole()
    {
        var folder = RunFolder.Create(_folder.Path, "synthetic", "run");
        folder.WriteAtomically("summary.json", "first");
        Directory.CreateDirectory(Path.Combine(folder.Path, "summary.json.tmp", "occupied"));

        var error = Assert.Throws<IOException>(() => folder.WriteAtomically("summary.json", "second"));

        Assert.StartsWith($"Could not write {Path.Combine(folder.Path, "summary.json")}: ", error.Message);
        Assert.Equal("first", File.ReadAllText(Path.Combine(folder.Path, "summary.json")));
    }
}
