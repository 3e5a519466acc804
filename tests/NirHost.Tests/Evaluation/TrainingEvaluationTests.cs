using NirHost.Host.Evaluation;
using NirHost.Host.Options;
using NirHost.Tests.Support;

namespace NirHost.Tests.Evaluation;

/// <summary>Evaluation inside training: the original's default metrics, storage metrics per split, the retrieval figure.</summary>
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
}
