namespace NirHost.Host.Reporting.Reports;

/// <summary>A value over epochs for one group: at each epoch the mean over the runs that have it and their sample standard deviation (0 for one run).</summary>
public sealed record GroupCurve(string Name, double[] Epochs, double[] Mean, double[] StandardDeviation)
{
    /// <summary>Aggregates each run's (epoch, value) pairs; non-finite values (an epoch whose every step was skipped) are left out.</summary>
    public static GroupCurve? Of(string name, IEnumerable<IEnumerable<(int Epoch, double Value)>> runs)
    {
        var byEpoch = runs.SelectMany(run => run).Where(point => double.IsFinite(point.Value))
            .GroupBy(point => point.Epoch).OrderBy(epoch => epoch.Key).ToList();
        if (byEpoch.Count == 0)
        {
            return null;
        }
        var means = byEpoch.Select(epoch => epoch.Average(p => p.Value)).ToArray();
        var deviations = byEpoch.Select((epoch, i) => epoch.Count() < 2 ? 0
            : Math.Sqrt(epoch.Sum(p => (p.Value - means[i]) * (p.Value - means[i])) / (epoch.Count() - 1))).ToArray();
        return new GroupCurve(name, [.. byEpoch.Select(epoch => (double)epoch.Key)], means, deviations);
    }
}
