namespace NirHost.Plugins.Datasets;

/// <summary>
/// The original's <c>--use_tv_split</c>: either the first <c>--tv_split_perc</c> of the training classes
/// keep training and the rest validate, or (<c>--tv_split_by_samples</c>) every class keeps that share of
/// its images, picked evenly spread as the original's <c>np.linspace</c> indices, and validates on the rest.
/// </summary>
internal static class TrainValidationSplit
{
    public static (IReadOnlyList<ClassImages> Training, IReadOnlyList<ClassImages>? Validation) Apply(
        IReadOnlyList<ClassImages> training, bool useTvSplit, double fraction, bool bySamples) =>
        Apply(training, c => c.Paths.Count, (c, keep) => c with { Paths = [.. c.Paths.Where((_, i) => keep(i))] }, useTvSplit, fraction, bySamples);

    /// <summary>The split over any class representation: <paramref name="count"/> gives a class's size, <paramref name="subset"/> its members i with keep(i).</summary>
    public static (IReadOnlyList<T> Training, IReadOnlyList<T>? Validation) Apply<T>(IReadOnlyList<T> training, Func<T, int> count,
        Func<T, Func<int, bool>, T> subset, bool useTvSplit, double fraction, bool bySamples)
    {
        if (!useTvSplit)
        {
            return (training, null);
        }
        if (fraction <= 0 || fraction >= 1)
        {
            throw new ArgumentException(
                $"--use_tv_split needs --tv_split_perc strictly between 0 and 1 (the share kept for training); it is {fraction}.");
        }
        if (!bySamples)
        {
            var kept = (int)(training.Count * fraction);
            if (kept == 0 || kept == training.Count)
            {
                throw new ArgumentException(
                    $"--tv_split_perc {fraction} of {training.Count} training classes leaves {(kept == 0 ? "no training" : "no validation")} class.");
            }
            return (training.Take(kept).ToList(), training.Skip(kept).ToList());
        }

        var train = new List<T>();
        var validation = new List<T>();
        foreach (var members in training)
        {
            var size = count(members);
            var keep = EvenlySpread(size, (int)(size * fraction));
            // A class left without images in one part is absent from that part, rather than an empty class.
            if (keep.Count > 0)
            {
                train.Add(subset(members, keep.Contains));
            }
            if (keep.Count < size)
            {
                validation.Add(subset(members, i => !keep.Contains(i)));
            }
        }
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException($"--tv_split_perc {fraction} by samples leaves the {(train.Count == 0 ? "training" : "validation")} split without images.");
        }
        return (train, validation);
    }

    /// <summary>The distinct indices of <c>np.round(np.linspace(0, count - 1, picks))</c>.</summary>
    internal static HashSet<int> EvenlySpread(int count, int picks)
    {
        var indices = new HashSet<int>();
        for (var i = 0; i < picks; i++)
        {
            var position = picks == 1 ? 0.0 : i * (count - 1.0) / (picks - 1);
            indices.Add((int)Math.Round(position, MidpointRounding.ToEven));
        }
        return indices;
    }
}
