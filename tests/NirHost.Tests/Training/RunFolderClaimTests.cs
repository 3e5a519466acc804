using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>
/// Runs never share a folder: before, two runs started in the same second with the same --save_path both wrote into
/// one DATASET_ARCH_date folder, because checking the name and creating the folder were two steps.
/// </summary>
public sealed class RunFolderClaimTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Runs_claiming_the_same_name_at_the_same_moment_get_a_folder_each()
    {
        const int runs = 12;
        using var start = new Barrier(runs);
        var paths = new string[runs];
        var threads = Enumerable.Range(0, runs).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            paths[i] = RunFolder.Create(_folder.Path, "synthetic", "SYNTHETIC_CONVNET_2026-12-3-14-0-0").Path;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(runs, paths.Distinct().Count());
        var expected = Enumerable.Range(0, runs).Select(i => i == 0 ? "SYNTHETIC_CONVNET_2026-12-3-14-0-0" : $"SYNTHETIC_CONVNET_2026-12-3-14-0-0_{i}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), paths.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(paths, p => Assert.True(Directory.Exists(Path.Combine(p, "CSV_Logs"))));
        // Nothing of the claiming is left behind.
        Assert.Equal(runs, Directory.GetFileSystemEntries(Path.Combine(_folder.Path, "synthetic")).Length);
    }

    [Fact]
    public void A_file_with_the_run_name_is_skipped_like_a_folder()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "synthetic"));
        File.WriteAllText(Path.Combine(_folder.Path, "synthetic", "mine"), "not a run");

        Assert.Equal(Path.Combine(_folder.Path, "synthetic", "mine_1"), RunFolder.Create(_folder.Path, "synthetic", "mine").Path);
    }
}
