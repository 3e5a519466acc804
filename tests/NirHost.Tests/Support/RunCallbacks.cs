using NirHost.Host.Training;

namespace NirHost.Tests.Support;

/// <summary>An observer that hands a test the run's steps and completed epochs, and records its rollbacks and skipped steps.</summary>
public sealed class RunCallbacks : IRunObserver
{
    /// <summary>Called after every step with the epoch and the steps done in it.</summary>
    public Action<int, int>? Step { get; init; }

    /// <summary>Called with the number of completed epochs once an epoch's logs and checkpoint are written.</summary>
    public Action<int>? EpochCheckpointed { get; init; }

    /// <summary>Every rollback of <c>--on_nonfinite rollback</c>, in order.</summary>
    public List<RolledBack> Rollbacks { get; } = [];

    /// <summary>Every step skipped by <c>--on_nonfinite skip</c>, in order.</summary>
    public List<StepSkipped> Skipped { get; } = [];

    public void StepCompleted(StepCompleted step) => Step?.Invoke(step.Epoch, step.Step);

    public void RolledBack(RolledBack rollback) => Rollbacks.Add(rollback);

    public void StepSkipped(StepSkipped step) => Skipped.Add(step);

    public void CheckpointWritten(CheckpointWritten checkpoint)
    {
        if (checkpoint.StepsInEpoch is null)
        {
            EpochCheckpointed?.Invoke(checkpoint.CompletedEpochs);
        }
    }
}
