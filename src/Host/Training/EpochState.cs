using System.Diagnostics;

namespace NirHost.Host.Training;

/// <summary>
/// The working state of one training epoch: its seeded generator, its batches with their augmentation seeds, the
/// steps done and their losses. An interrupted epoch is continued from the same state (<see cref="InterruptedEpoch"/>).
/// </summary>
internal sealed class EpochState(int epoch, int seed, bool warmup, IReadOnlyList<(string Group, double Rate)> learningRates)
{
    public int Epoch { get; } = epoch;

    /// <summary><c>n_epochs * seed + epoch</c>: what libtorch and the host's generator are reseeded with, as in the original.</summary>
    public int Seed { get; } = seed;

    public bool Warmup { get; } = warmup;

    /// <summary>Each parameter group's rate during this epoch (the schedule steps after it; a rollback lowers it within).</summary>
    public IReadOnlyList<(string Group, double Rate)> LearningRates { get; set; } = learningRates;

    public ResumableRandom Random { get; } = new(seed);

    public List<int[]> Batches { get; set; } = [];

    public int[] AugmentationSeeds { get; set; } = [];

    /// <summary>Steps done so far, which is also the index of the next batch.</summary>
    public int Step { get; set; }

    public List<double> Losses { get; set; } = [];

    /// <summary>Seconds spent in this epoch before an interruption, when it is being continued.</summary>
    public double EarlierSeconds { get; set; }

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public double Seconds => EarlierSeconds + Clock.Elapsed.TotalSeconds;

    public double MeanLoss => Losses.Count > 0 ? Losses.Average() : double.NaN;
}
