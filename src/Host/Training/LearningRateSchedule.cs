using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// The epoch-wise learning-rate schedule of <c>--scheduler</c>, stepped once after every training epoch as in
/// the original: <c>step</c> multiplies every group's rate by <c>--gamma</c> at each <c>--tau</c> milestone
/// (MultiStepLR), <c>exponential</c> multiplies it by <c>--gamma</c> after every epoch (ExponentialLR),
/// <c>none</c> keeps the rates.
/// </summary>
/// <remarks>
/// The original's help names "step &amp; exp", but its code builds MultiStepLR for any value but <c>none</c>.
/// A pasted command of the original must train as it did there, so <c>exp</c> is that same MultiStepLR;
/// true exponential decay has its own name.
/// </remarks>
public sealed class LearningRateSchedule
{
    public static readonly string[] Names = ["step", "exp", "exponential", "none"];

    private readonly optim.lr_scheduler.LRScheduler? _scheduler;

    public LearningRateSchedule(optim.Optimizer optimizer, string name, IReadOnlyList<int> milestones, double gamma)
    {
        _scheduler = name switch
        {
            "step" or "exp" => optim.lr_scheduler.MultiStepLR(optimizer, [.. milestones], gamma),
            "exponential" => optim.lr_scheduler.ExponentialLR(optimizer, gamma),
            "none" => null,
            _ => throw new ArgumentException($"--scheduler {name} is not available; choose one of: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>Epochs stepped so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>Called once at the end of each training epoch.</summary>
    public void Step()
    {
        _scheduler?.step();
        Epoch++;
    }

    /// <summary>
    /// Brings a freshly built schedule to where it stood after <paramref name="epochs"/> epochs, by stepping it
    /// as the interrupted run did, so the rates are the same numbers, not recomputed approximations.
    /// </summary>
    public void FastForward(int epochs)
    {
        while (Epoch < epochs)
        {
            Step();
        }
    }
}
