using NirHost.Host.Training;

namespace NirHost.Tests.Support;

/// <summary>An observer that hands a test the run's steps and completed epochs.</summary>
public sealed class RunCallbacks : IRunObserver
{
    /// <summary>Called after every step with the epoch and the steps done in it.</summary>
    public Action<int, int>? Step { get; init; }

    /// <summary>Called with the number of completed epochs once an epoch's logs and checkpoint are written.</summary>
    public Action<int>? EpochCheckpointed { get; init; }

    public void StepCompleted(StepCompleted step) => Step?.Invoke(step.Epoch, step.Step);

    public void CheckpointWritten(CheckpointWritten checkpoint)
    {
        if (checkpoint.StepsInEpoch is null)
        {
            EpochCheckpointed?.Invoke(checkpoint.CompletedEpochs);
        }
    }
}
