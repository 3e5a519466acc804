namespace NirHost.Host.Training.Observers;

/// <summary>
/// Writes the run's CSV logs: per split, the original logger's per-group files and one table
/// (<see cref="RunFolder.AppendCsv"/>, <see cref="RunFolder.AppendOriginalCsv"/>). Test and Val rows go out as soon as
/// their split is evaluated; the Train row, which holds the epoch's loss and time besides the training split's metrics,
/// when the epoch completes.
/// </summary>
public sealed class CsvLogObserver : IRunObserver
{
    private RunFolder? _folder;
    private IReadOnlyDictionary<string, double> _trainMetrics = new Dictionary<string, double>();

    public void RunStarted(RunStarted run) => _folder = run.Folder;

    public void SplitEvaluated(SplitEvaluated evaluation)
    {
        if (evaluation.Split == "Train")
        {
            _trainMetrics = evaluation.Metrics;
            return;
        }
        var folder = Folder;
        folder.AppendCsv(evaluation.Split, [("epochs", evaluation.Epoch), .. evaluation.Metrics.Select(kv => (kv.Key, kv.Value))]);
        folder.AppendOriginalCsv(evaluation.Split, [], evaluation.Metrics);
    }

    public void EpochCompleted(EpochCompleted epoch)
    {
        List<(string, double)> scalars = [("epochs", epoch.Epoch), ("loss", epoch.MeanLoss), ("time", Math.Round(epoch.Seconds, 4))];
        Folder.AppendCsv("Train", [.. scalars, .. _trainMetrics.Select(kv => (kv.Key, kv.Value))]);
        Folder.AppendOriginalCsv("Train", scalars, _trainMetrics);
        _trainMetrics = new Dictionary<string, double>();
    }

    private RunFolder Folder => _folder ?? throw new InvalidOperationException("The CSV log was used before the run started.");
}
