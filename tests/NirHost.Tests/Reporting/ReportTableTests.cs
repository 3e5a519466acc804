using System.Globalization;
using NirHost.Host.Commands;
using NirHost.Host.Reporting.Reports;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Reporting;

/// <summary>
/// The report's results table: its numbers are the runs' own (summary.json, and the test log at the epoch the validation
/// split chose), averaged per group with the sample standard deviation, best marked; and its md, csv and latex forms.
/// </summary>
public sealed class ReportTableTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly string[] Metrics = ["e_recall@1", "e_recall@2", "nmi"];

    /// <summary>Two configurations (oproxy, nir) x three seeds, values drawn from each run's own generator, no validation.</summary>
    private string WriteSweep()
    {
        var sweep = Path.Combine(_folder.Path, "sweep", "runs");
        foreach (var loss in new[] { "oproxy", "nir" })
        {
            for (var seed = 0; seed < 3; seed++)
            {
                var random = new Random(seed * 7 + loss.Length);
                var test = Metrics.ToDictionary(m => m, _ => Enumerable.Range(0, 4).Select(e => 0.3 + 0.1 * e + 0.05 * random.NextDouble() + (loss == "nir" ? 0.02 : 0)).ToArray());
                SyntheticRunFolders.Write(sweep, $"{loss}_s{seed}", new Dictionary<string, string>
                {
                    ["loss"] = loss, ["dataset"] = "synthetic", ["lr"] = "0.003", ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
                    // Where and on what a run ran says nothing of its configuration.
                    ["device"] = seed == 1 ? "cuda:0" : "cpu", ["kernels"] = seed.ToString(CultureInfo.InvariantCulture),
                }, test);
            }
        }
        return Path.Combine(_folder.Path, "sweep");
    }

    private static (string Mean, string? Std) Expected(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        var std = list.Count > 1 ? Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)) : (double?)null;
        return (mean.ToString("F4", CultureInfo.InvariantCulture), std?.ToString("F4", CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, string[]> MarkdownRows(string markdown) =>
        markdown.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| group", StringComparison.Ordinal) && !l.StartsWith("| ---", StringComparison.Ordinal))
            .Select(l => l.Trim('|', ' ').Split(" | ")).ToDictionary(cells => cells[0], cells => cells);

    [Fact]
    public void Table_values_are_the_means_and_sample_deviations_of_the_summaries_last_values_to_the_printed_precision()
    {
        var sweep = WriteSweep();
        var output = new StringWriter();

        Assert.Equal(0, ReportCommand.Run([sweep, "--format", "md"], output));

        var rows = MarkdownRows(output.ToString());
        Assert.Equal(["--loss nir", "--loss oproxy"], rows.Keys.Order(StringComparer.Ordinal));
        var summaries = Directory.GetDirectories(Path.Combine(sweep, "runs"))
            .Select(f => (Loss: Path.GetFileName(f).Split('_')[0], Summary: RunSummary.FromJson(File.ReadAllText(Path.Combine(f, "summary.json"))))).ToList();
        var means = new Dictionary<(string, string), double>();
        foreach (var loss in new[] { "oproxy", "nir" })
        {
            var row = rows["--loss " + loss];
            Assert.Equal("3", row[1]);
            Assert.Equal("last epoch (3)", row[2]);
            for (var m = 0; m < Metrics.Length; m++)
            {
                var lasts = summaries.Where(s => s.Loss == loss).Select(s => s.Summary.Metrics["Test"][Metrics[m]].Last).ToList();
                var (mean, std) = Expected(lasts);
                Assert.Equal($"{mean} ± {std}", row[3 + m].Trim('*'));
                means[(loss, Metrics[m])] = double.Parse(mean, CultureInfo.InvariantCulture);
            }
        }
        for (var m = 0; m < Metrics.Length; m++)
        {
            var best = means[("nir", Metrics[m])] >= means[("oproxy", Metrics[m])] ? "nir" : "oproxy";
            var other = best == "nir" ? "oproxy" : "nir";
            Assert.StartsWith("**", rows["--loss " + best][3 + m], StringComparison.Ordinal);
            Assert.DoesNotContain("**", rows["--loss " + other][3 + m], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void With_a_validation_split_each_value_is_the_test_value_at_the_epoch_the_validation_scores_best()
    {
        var runs = Path.Combine(_folder.Path, "runs");
        // Validation peaks at epoch 1 for both seeds; test peaks at 2 and ends at 3: three different answers.
        double[][] tests = [[0.40, 0.52, 0.61, 0.58], [0.42, 0.50, 0.66, 0.57]];
        double[][] validations = [[0.30, 0.70, 0.60, 0.50], [0.31, 0.69, 0.65, 0.40]];
        for (var seed = 0; seed < 2; seed++)
        {
            SyntheticRunFolders.Write(runs, $"val_s{seed}", new Dictionary<string, string> { ["loss"] = "nir", ["use_tv_split"] = "True", ["seed"] = $"{seed}" },
                new Dictionary<string, double[]> { ["e_recall@1"] = tests[seed] }, new Dictionary<string, double[]> { ["e_recall@1"] = validations[seed] });
        }

        var report = RunReport.Load([runs]);

        var row = Assert.Single(report.Results.Rows);
        Assert.Equal("best on Val", row.Selection);
        var cell = row.Cells[0]!;
        Assert.Equal([1, 1], cell.Epochs);
        var (mean, std) = Expected([0.52, 0.50]);
        Assert.Equal($"{mean} ± {std}", cell.Text);
        var best = report.BestOnTest.Rows[0];
        Assert.Equal("best on Test", best.Selection);
        Assert.Equal([2, 2], best.Cells[0]!.Epochs);
        Assert.Equal(Expected([0.61, 0.66]).Mean, ReportNumbers.Format(best.Cells[0]!.Mean));
        Assert.Contains("Optimistic", report.BestOnTest.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_group_by_their_group_flag_and_otherwise_by_every_flag_but_seed_paths_and_device()
    {
        var runs = Path.Combine(_folder.Path, "runs");
        Dictionary<string, double[]> test = new() { ["e_recall@1"] = [0.5] };
        // One --group holds whatever its runs differ in; its name is the group's.
        SyntheticRunFolders.Write(runs, "a", new Dictionary<string, string> { ["group"] = "NIR_cub", ["loss"] = "nir", ["lr"] = "1e-05", ["seed"] = "0" }, test);
        SyntheticRunFolders.Write(runs, "b", new Dictionary<string, string> { ["group"] = "NIR_cub", ["loss"] = "nir", ["lr"] = "2e-05", ["seed"] = "1" }, test);
        // Without --group: same flags but for seed, save path and device is one group; another lr is another.
        SyntheticRunFolders.Write(Path.Combine(runs, "x"), "c", new Dictionary<string, string> { ["loss"] = "oproxy", ["lr"] = "1e-05", ["seed"] = "0", ["device"] = "cpu" }, test);
        SyntheticRunFolders.Write(Path.Combine(runs, "y"), "d", new Dictionary<string, string> { ["loss"] = "oproxy", ["lr"] = "1e-05", ["seed"] = "1", ["device"] = "cuda" }, test);
        SyntheticRunFolders.Write(runs, "e", new Dictionary<string, string> { ["loss"] = "oproxy", ["lr"] = "0.001", ["seed"] = "0" }, test);

        var report = RunReport.Load([runs]);

        Assert.Equal(5, report.Runs.Count);
        var groups = report.Groups.ToDictionary(g => g.Name, g => g.Runs.Select(r => r.Name).ToList());
        Assert.Equal(["a", "b"], groups["NIR_cub"]);
        Assert.Equal(["c", "d"], groups["--loss oproxy --lr 1e-05"]);
        Assert.Equal(["e"], groups["--loss oproxy --lr 0.001"]);
        // Only flags that differ between groups are shown; seeds, paths and devices never.
        Assert.Equal(["loss", "lr"], report.DifferingFlags);
        Assert.Equal("1e-05 / 2e-05", RunGrouping.Joined(report.Groups.Single(g => g.Name == "NIR_cub").Flags, "lr"));
    }

    [Fact]
    public void Csv_and_latex_carry_the_same_numbers_with_n_epochs_and_the_best_marked()
    {
        var sweep = WriteSweep();
        var report = RunReport.Load([sweep]);
        var oproxy = report.Results.Rows.Single(r => r.Group.Name == "--loss oproxy");
        var cell = oproxy.Cells[0]!;

        var csv = ResultsTableWriter.Csv(report.Results).Split('\n');
        var header = csv[0].Split(',');
        var line = csv.Single(l => l.StartsWith("--loss oproxy,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(ReportNumbers.Format(cell.Mean), line[Array.IndexOf(header, "e_recall@1 mean")]);
        Assert.Equal(ReportNumbers.Format(cell.StandardDeviation!.Value), line[Array.IndexOf(header, "e_recall@1 std")]);
        Assert.Equal("3", line[Array.IndexOf(header, "e_recall@1 n")]);
        Assert.Equal("3 3 3", line[Array.IndexOf(header, "e_recall@1 epochs")]);
        Assert.Equal(cell.Best ? "1" : "0", line[Array.IndexOf(header, "e_recall@1 best")]);

        var latex = ResultsTableWriter.Latex(report.Results);
        Assert.Contains("e\\_recall@1", latex, StringComparison.Ordinal);
        var mean = ReportNumbers.Format(cell.Mean);
        Assert.Contains(cell.Best ? $"\\textbf{{{mean}}} $\\pm$ {ReportNumbers.Format(cell.StandardDeviation.Value)}" : $"{mean} $\\pm$", latex, StringComparison.Ordinal);
        Assert.Equal(Metrics.Length, latex.Split("\\textbf{").Length - 1);
        Assert.StartsWith("% ", latex, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_without_any_evaluated_epoch_is_listed_but_has_no_values()
    {
        var runs = Path.Combine(_folder.Path, "runs");
        SyntheticRunFolders.Write(runs, "ok", new Dictionary<string, string> { ["loss"] = "oproxy" }, new Dictionary<string, double[]> { ["e_recall@1"] = [0.5, 0.6] });
        SyntheticRunFolders.Write(runs, "broken", new Dictionary<string, string> { ["loss"] = "nir", ["n_epochs"] = "2" }, new Dictionary<string, double[]> { ["e_recall@1"] = [] },
            status: RunStatus.Diverged, epochs: 0);

        var report = RunReport.Load([runs]);

        var broken = report.Results.Rows.Single(r => r.Group.Name == "--loss nir");
        Assert.Equal("no epoch evaluated", broken.Selection);
        Assert.Equal(1, broken.Unfinished);
        Assert.Null(broken.Cells[0]);
        Assert.Contains("| --loss nir (1 unfinished) | 1 | no epoch evaluated | - |", ResultsTableWriter.Markdown(report.Results), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_runs_and_a_bad_flag_are_errors()
    {
        Assert.Contains("No run folder", Assert.Throws<IOException>(() => ReportCommand.Run([_folder.Path, "--format", "md"], TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("no such folder", Assert.Throws<IOException>(() => ReportCommand.Run([Path.Combine(_folder.Path, "nope")], TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("--format pdf", Assert.Throws<NirHost.Host.Cli.CommandLineException>(() => ReportCommand.Run([_folder.Path, "--format", "pdf"], TextWriter.Null)).Message, StringComparison.Ordinal);
    }
}
