namespace NirHost.Host.Training;

/// <summary>Forwards every event to each observer in turn, in the order they were given.</summary>
public sealed class RunObserverList(IEnumerable<IRunObserver> observers) : IRunObserver
{
    private readonly IRunObserver[] _observers = [.. observers];

    public void RunStarted(RunStarted run) => Each(o => o.RunStarted(run));

    public void EpochStarted(EpochStarted epoch) => Each(o => o.EpochStarted(epoch));

    public void StepCompleted(StepCompleted step) => Each(o => o.StepCompleted(step));

    public void StepSkipped(StepSkipped step) => Each(o => o.StepSkipped(step));

    public void RolledBack(RolledBack rollback) => Each(o => o.RolledBack(rollback));

    public void StepsEnded(EpochStepsEnded steps) => Each(o => o.StepsEnded(steps));

    public void PhaseProgress(PhaseProgress progress) => Each(o => o.PhaseProgress(progress));

    public void SplitEvaluated(SplitEvaluated evaluation) => Each(o => o.SplitEvaluated(evaluation));

    public void EpochCompleted(EpochCompleted epoch) => Each(o => o.EpochCompleted(epoch));

    public void CheckpointWritten(CheckpointWritten checkpoint) => Each(o => o.CheckpointWritten(checkpoint));

    public void Notice(string message) => Each(o => o.Notice(message));

    public void RunEnded(RunEnded run) => Each(o => o.RunEnded(run));

    private void Each(Action<IRunObserver> call)
    {
        foreach (var observer in _observers)
        {
            call(observer);
        }
    }
}
