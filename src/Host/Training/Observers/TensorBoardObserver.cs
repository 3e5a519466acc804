using NirHost.Host.Options;

namespace NirHost.Host.Training.Observers;

/// <summary>
/// <c>--log_online</c>: TensorBoard event files in <c>&lt;run folder&gt;/tensorboard</c>, one step per epoch: the
/// training loss and time, each parameter group's learning rate and every evaluated split's metrics.
/// </summary>
public sealed class TensorBoardObserver(RunOptions options, string command) : IRunObserver
{
    private TensorBoardLog? _log;

    public void RunStarted(RunStarted run) =>
        _log = new TensorBoardLog(run.Folder.Path, options.Project, options.Group, command, run.ResumedAt?.Epoch ?? 0);

    public void EpochCompleted(EpochCompleted epoch)
    {
        var log = _log ?? throw new InvalidOperationException("The TensorBoard log was used before the run started.");
        log.Scalar("Train/loss", epoch.MeanLoss, epoch.Epoch);
        log.Scalar("Train/time", epoch.Seconds, epoch.Epoch);
        var names = epoch.LearningRates.Select(r => r.Group).ToList();
        for (var g = 0; g < epoch.LearningRates.Count; g++)
        {
            log.Scalar(TensorBoardLog.LearningRateTag(names[g], g, names), epoch.LearningRates[g].Rate, epoch.Epoch);
        }
        foreach (var (split, values) in epoch.Results)
        {
            log.Split(split, values, epoch.Epoch);
        }
    }
}
