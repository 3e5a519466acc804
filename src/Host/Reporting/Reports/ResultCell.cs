namespace NirHost.Host.Reporting.Reports;

/// <summary>One group's value of one metric: mean and sample standard deviation over its runs, and each run's epoch.</summary>
/// <param name="StandardDeviation">Sample (n - 1) standard deviation; null for a single run.</param>
/// <param name="Epochs">The epoch each run's value comes from (counted from 0, as the logs count), one per run.</param>
/// <param name="Best">The best mean of its column, as printed.</param>
public sealed record ResultCell(double Mean, double? StandardDeviation, IReadOnlyList<int> Epochs, bool Best = false)
{
    public int N => Epochs.Count;

    /// <summary>The mean to the report's precision, with ± the standard deviation where there is one.</summary>
    public string Text => StandardDeviation is { } std ? $"{ReportNumbers.Format(Mean)} ± {ReportNumbers.Format(std)}" : ReportNumbers.Format(Mean);

    public static ResultCell Of(IReadOnlyList<(double Value, int Epoch)> values)
    {
        var mean = values.Average(v => v.Value);
        double? std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v.Value - mean) * (v.Value - mean)) / (values.Count - 1)) : null;
        return new ResultCell(mean, std, [.. values.Select(v => v.Epoch)]);
    }
}
