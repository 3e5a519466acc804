using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>
/// Run-folder files end their lines with '\n' on every system, so that a run resumed on another system does not mix
/// line endings and scripts read the files alike. On Linux the platform newline is '\n' already: the tests check the
/// settings that decide it elsewhere, and rows written with "\r\n" (on Windows, before this was fixed) being mended.
/// </summary>
public sealed class NewlineTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Json_files_of_the_run_folder_are_indented_with_lf_whatever_the_platform()
    {
        Assert.Equal("\n", RunSummary.Json.NewLine);
        Assert.Equal("\n", RunConfigFile.Json.NewLine);
    }

    [Fact]
    public void A_csv_log_with_crlf_rows_gets_lf_rows_when_a_row_is_added()
    {
        var folder = RunFolder.Create(_folder.Path, "synthetic", "run");
        File.WriteAllText(Path.Combine(folder.Path, "CSV_Logs", "Data_Test.csv"), "e_recall@1\r\n0.25\r\n");
        folder = RunFolder.Open(folder.Path, new Dictionary<string, int> { ["Data_Test.csv"] = 1 });

        folder.AppendCsv("Test", [("e_recall@1", 0.5)]);

        Assert.Equal("e_recall@1\n0.25\n0.5\n", File.ReadAllText(Path.Combine(folder.Path, "CSV_Logs", "Data_Test.csv")));
    }

    [Fact]
    public void A_csv_log_cut_back_on_resume_is_written_with_lf()
    {
        var folder = RunFolder.Create(_folder.Path, "synthetic", "run");
        File.WriteAllText(Path.Combine(folder.Path, "CSV_Logs", "Data_Test.csv"), "e_recall@1\r\n0.25\r\n0.5\r\n");

        RunFolder.Open(folder.Path, new Dictionary<string, int> { ["Data_Test.csv"] = 1 });

        Assert.Equal("e_recall@1\n0.25\n", File.ReadAllText(Path.Combine(folder.Path, "CSV_Logs", "Data_Test.csv")));
    }

    [Fact]
    public void No_file_a_run_writes_holds_a_carriage_return()
    {
        using var plugins = new FaultyPlugin();
        var summary = plugins.Train(FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "1"));

        var texts = Directory.EnumerateFiles(summary.RunFolder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".json" or ".csv" or ".txt").ToList();
        Assert.Contains(texts, f => f.EndsWith(".csv", StringComparison.Ordinal));
        Assert.Contains(texts, f => f.EndsWith("Parameter_Info.txt", StringComparison.Ordinal));
        Assert.All(texts, f => Assert.DoesNotContain('\r', File.ReadAllText(f)));
    }
}
