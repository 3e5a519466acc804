namespace NirHost.Host.Training;

/// <summary>The run is set up: its folder exists and training is about to begin (or to continue).</summary>
/// <param name="ResumedAt">Where a resumed run continues (epoch, step within it); null for a new run.</param>
public sealed record RunStarted(RunFolder Folder, int Epochs, (int Epoch, int Step)? ResumedAt, RunDescription Description);

/// <summary>What the run trains, for the line a user reads first.</summary>
public sealed record RunDescription(string Dataset, int TrainSamples, int TestSamples, string Loss, string? BatchMiner, string Architecture,
    long TrainableWeights, string Device);

/// <param name="FirstStep">Steps already done before this call (a resumed, interrupted epoch).</param>
public sealed record EpochStarted(int Epoch, int Steps, int FirstStep, bool Warmup, IReadOnlyList<double> LearningRates);

/// <param name="Step">Steps done in this epoch, counting this one.</param>
/// <param name="MeanLoss">Mean loss of the epoch's updated steps so far (NaN when none).</param>
public sealed record StepCompleted(int Epoch, int Step, int Steps, bool Warmup, double MeanLoss);

/// <param name="Consecutive">Steps skipped in a row, counting this one.</param>
public sealed record StepSkipped(int Epoch, int Step, string Problem, int Consecutive);

/// <summary>
/// <c>--on_nonfinite rollback</c>: step <paramref name="FailedStep"/> was not finite, so the run went back to the good
/// state kept before step <paramref name="ToStep"/> of the same epoch and continues from there at lower learning rates.
/// </summary>
/// <param name="Rollbacks">Rollbacks of the run so far, counting this one.</param>
/// <param name="LearningRates">Every parameter group's rate from now on.</param>
public sealed record RolledBack(int Epoch, int FailedStep, int ToStep, int Rollbacks, IReadOnlyList<double> LearningRates, string Problem);

public sealed record EpochStepsEnded(int Epoch, int StepsDone, int Steps);

public sealed record PhaseProgress(string Title, int Done, int Total);

/// <summary>One split's metrics after an epoch. <paramref name="Split"/> is Test, Val or Train, as the logs name them.</summary>
public sealed record SplitEvaluated(int Epoch, string Split, IReadOnlyDictionary<string, double> Metrics);

/// <param name="LearningRates">Each parameter group's rate during the epoch, with the group's name.</param>
/// <param name="Results">Every evaluated split's metrics, by split.</param>
public sealed record EpochCompleted(int Epoch, bool Warmup, double MeanLoss, double Seconds, IReadOnlyList<(string Group, double Rate)> LearningRates,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Results);

/// <param name="CompletedEpochs">Epochs the checkpoint holds; a resumed run starts there.</param>
/// <param name="StepsInEpoch">For a checkpoint written inside an epoch (an interruption), the steps done in it.</param>
public sealed record CheckpointWritten(string Path, int CompletedEpochs, int? StepsInEpoch);

/// <summary>How the run ended; <see cref="Error"/> is null for a completed run.</summary>
public sealed record RunEnded(RunSummary Summary, string Status, Exception? Error);
