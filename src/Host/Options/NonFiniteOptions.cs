using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>What the trainer does when a step's loss, embeddings or gradients are not finite numbers.</summary>
public sealed class NonFiniteOptions
{
    public const string Stop = "stop";
    public const string Skip = "skip";
    public const string Rollback = "rollback";

    [Flag("on_nonfinite", Help = "What a non-finite loss, embedding or gradient does: stop the run (keeping its last good checkpoint); skip that step's update and count it in summary.json (stopping after --max_consecutive_skips in a row); or rollback to the last good state kept in memory (every --rollback_every steps), multiply the learning rates by --rollback_lr_factor and go on, at most --max_rollbacks times.",
        Choices = [Stop, Skip, Rollback])]
    public string OnNonfinite { get; set; } = Stop;

    [Flag("max_consecutive_skips", Help = "With --on_nonfinite skip: this many skipped steps in a row stop the run as diverged, since a state that overflows on every batch does not recover by skipping.", Min = 1)]
    public int MaxConsecutiveSkips { get; set; } = 20;

    [Flag("rollback_every", Help = "With --on_nonfinite rollback: steps between the good states kept in memory (model, criterion, optimizer, sampler and random states); one is also kept at the start of every epoch.", Min = 1)]
    public int RollbackEvery { get; set; } = 50;

    [Flag("rollback_lr_factor", Help = "With --on_nonfinite rollback: every learning rate is multiplied by this after each rollback, for the rest of the run.", Min = 0, Max = 1)]
    public double RollbackLrFactor { get; set; } = 0.5;

    [Flag("max_rollbacks", Help = "With --on_nonfinite rollback: a non-finite step after this many rollbacks stops the run as diverged.", Min = 1)]
    public int MaxRollbacks { get; set; } = 5;
}
