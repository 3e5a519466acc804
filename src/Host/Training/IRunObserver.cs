namespace NirHost.Host.Training;

/// <summary>
/// Listens to a training run: its start, every step, every evaluated split, the end of every epoch, every checkpoint
/// and how the run ended. The console reporter, the CSV and TensorBoard logs are observers; further ones (a per-run
/// report, say) are registered as services and need no change to the run. Every method does nothing by default.
/// </summary>
/// <remarks>
/// Observers are called synchronously on the training thread, in registration order. An exception thrown by one
/// stops the run as any other failure does: the logs are part of what a run promises to write.
/// </remarks>
public interface IRunObserver
{
    void RunStarted(RunStarted run) { }

    void EpochStarted(EpochStarted epoch) { }

    void StepCompleted(StepCompleted step) { }

    /// <summary>A step's update was dropped because something was not finite (<c>--on_nonfinite skip</c>).</summary>
    void StepSkipped(StepSkipped step) { }

    /// <summary>The run went back to its last good state after something was not finite (<c>--on_nonfinite rollback</c>).</summary>
    void RolledBack(RolledBack rollback) { }

    /// <summary>The training steps of an epoch ended: all of them, or fewer when the run was interrupted or failed.</summary>
    void StepsEnded(EpochStepsEnded steps) { }

    /// <summary>Progress of a phase outside the steps (embedding the training set for a storage sampler).</summary>
    void PhaseProgress(PhaseProgress progress) { }

    void SplitEvaluated(SplitEvaluated evaluation) { }

    /// <summary>An epoch was trained and evaluated; called before its summary and checkpoint are written.</summary>
    void EpochCompleted(EpochCompleted epoch) { }

    void CheckpointWritten(CheckpointWritten checkpoint) { }

    /// <summary>Something the user should read that is not an error (a leftover file removed, a fallback taken).</summary>
    void Notice(string message) { }

    void RunEnded(RunEnded run) { }
}
