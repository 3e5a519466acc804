using NirHost.Host.Composition;
using NirHost.Evaluation;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Evaluation;
using NirHost.Host.Options;
using NirHost.Tests.Support;

namespace NirHost.Tests.Evaluation;

/// <summary>Evaluation inside training: the original's default metrics, storage metrics per split, the retrieval figure, --evaltypes.</summary>
public sealed class TrainingEvaluationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Training_with_the_original_default_metrics_stores_improvements_per_split_and_draws_the_figure()
    {
        var defaults = new EvaluationOptions().EvaluationMetrics;
        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path,
            ["--n_epochs", "1", "--store_improvements", "--evaluation_metrics", .. defaults]));

        foreach (var split in new[] { "Test", "Train" })
        {
            Assert.Equal(defaults.Order(StringComparer.Ordinal), summary.Metrics[split].Keys.Order(StringComparer.Ordinal));
            Assert.All(summary.Metrics[split].Values, metric => Assert.True(double.IsFinite(metric.Last)));
            Assert.InRange(summary.Metrics[split]["nmi"].Last, 0.0, 1.0);
            Assert.True(File.Exists(Path.Combine(summary.RunFolder, $"checkpoint_{split}_e_recall_1.safetensors")), $"no {split} checkpoint");
        }
        using var figure = SkiaSharp.SKBitmap.Decode(Path.Combine(summary.RunFolder, RetrievalFigure.FileName));
        Assert.Equal(RetrievalFigure.Queries * 116 + 4, figure.Height);
    }

    [Fact]
    public void Evaltypes_score_the_embedding_and_the_pooled_features_each_on_its_own_as_the_original_logs_them()
    {
        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path,
            ["--n_epochs", "1", "--no_train_metrics", "--store_improvements", "--evaltypes", "embeds", "avg_features"]));

        Assert.Equal(["avg_features/e_recall@1", "avg_features/e_recall@2", "e_recall@1", "e_recall@2"],
            summary.Metrics["Test"].Keys.Order(StringComparer.Ordinal));
        Assert.All(summary.Metrics["Test"].Values, metric => Assert.InRange(metric.Last, 0.0, 1.0));
        var logs = Path.Combine(summary.RunFolder, "CSV_Logs");
        Assert.Equal("e_recall@1,e_recall@2", File.ReadLines(Path.Combine(logs, "Data_Test_embeds_e_recall.csv")).First());
        Assert.Equal("e_recall@1,e_recall@2", File.ReadLines(Path.Combine(logs, "Data_Test_avg_features_e_recall.csv")).First());
        Assert.True(File.Exists(Path.Combine(summary.RunFolder, "checkpoint_Test_e_recall_1.safetensors")));
        Assert.True(File.Exists(Path.Combine(summary.RunFolder, "checkpoint_Test_avg_features_e_recall_1.safetensors")));
    }

    [Fact]
    public void An_evaltype_no_architecture_outputs_is_refused_naming_what_is_missing()
    {
        var configuration = HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--evaltypes", "Combined_embeds_extra-1-1"));

        var error = Assert.Throws<CommandLineException>(() => RunValidation.Validate(configuration, HostHarness.Catalog));

        Assert.StartsWith("--evaltypes Combined_embeds_extra-1-1 is not available: the architectures evaluate their embedding (embeds) " +
            "and their pooled backbone features (avg_features)", error.Message);
        Assert.Contains("'multifeature' architectures", error.Message);
    }
}
