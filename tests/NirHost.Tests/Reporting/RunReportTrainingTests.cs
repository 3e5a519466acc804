using System.Globalization;
using System.Text.Json.Nodes;
using NirHost.Host.Commands;
using NirHost.Host.Evaluation;
using NirHost.Host.Reporting.Reports;
using NirHost.Host.Training;
using NirHost.Host.Training.Observers;
using NirHost.Tests.Support;

namespace NirHost.Tests.Reporting;

/// <summary>What a real training run leaves for reports: its own report.html, its last test embeddings, its learning rates.</summary>
public sealed class RunReportTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Two_seeds_of_a_tiny_run_report_their_summaries_values_and_each_run_writes_its_report_and_test_embeddings()
    {
        var summaries = new[] { 0, 1 }.Select(seed =>
            HostHarness.Train(HostHarness.TinyRun(Path.Combine(_folder.Path, $"seed{seed}"), "--n_epochs", "2", "--seed", seed.ToString(CultureInfo.InvariantCulture))))
            .ToList();

        foreach (var summary in summaries)
        {
            Assert.Equal(RunStatus.Completed, summary.Status);
            var html = File.ReadAllText(Path.Combine(summary.RunFolder, RunReportObserver.FileName));
            Assert.Contains(ReportNumbers.Format(summary.Metrics["Test"]["e_recall@1"].Last), html, StringComparison.Ordinal);
            // The schedule is in the summary: one rate per epoch for every parameter group.
            Assert.NotEmpty(summary.LearningRates);
            Assert.All(summary.LearningRates.Values, rates => Assert.Equal(2, rates.Count));
            // The embeddings are the last epoch's test embeddings, in the format evaluate reads: it scores them as the run did.
            var output = new StringWriter();
            EvaluateCommand.Run(HostHarness.Catalog, ["--embeddings", Path.Combine(summary.RunFolder, TestEmbeddingsFile.FileName), "--evaluation_metrics", "e_recall@1"], output);
            Assert.Equal(summary.Metrics["Test"]["e_recall@1"].Last, JsonNode.Parse(output.ToString())!["e_recall@1"]!.GetValue<double>(), 12);
        }

        var markdown = new StringWriter();
        ReportCommand.Run([_folder.Path, "--format", "md"], markdown);

        var row = markdown.ToString().Split('\n').Single(l => l.StartsWith("| oproxy on synthetic |", StringComparison.Ordinal)).Trim('|', ' ').Split(" | ");
        Assert.Equal(["oproxy on synthetic", "2", "last epoch (1)"], row[..3]);
        foreach (var (metric, cell) in new[] { "e_recall@1", "e_recall@2" }.Zip(row[3..]))
        {
            var values = summaries.Select(s => s.Metrics["Test"][metric].Last).ToList();
            var mean = values.Average();
            var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)));
            Assert.Equal($"{mean.ToString("F4", CultureInfo.InvariantCulture)} ± {std.ToString("F4", CultureInfo.InvariantCulture)}", cell.Trim('*'));
        }
    }
}
