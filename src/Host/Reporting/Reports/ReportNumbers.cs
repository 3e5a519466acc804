using System.Globalization;

namespace NirHost.Host.Reporting.Reports;

/// <summary>How a report prints numbers: four decimals, as the README quotes recalls, whatever the user's culture.</summary>
public static class ReportNumbers
{
        public static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value as printed, to compare printed values (which mean is best, what a test reads back).</summary>
    public static double Rounded(double value) => double.IsFinite(value) ? double.Parse(Format(value), CultureInfo.InvariantCulture) : value;

    /// <summary>Seconds as minutes and seconds, or hours and minutes for long runs.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 60 => $"{seconds.ToString("F1", CultureInfo.InvariantCulture)} s",
        < 3600 => $"{(int)(seconds / 60)} min {(int)(seconds % 60)} s",
        _ => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60)} min",
    };

    /// <summary>Epoch numbers as one epoch or a range ("12", "10-12").</summary>
    public static string Epochs(IEnumerable<int> epochs)
    {
        var list = epochs.ToList();
        if (list.Count == 0)
        {
            return "-";
        }
        var (low, high) = (list.Min(), list.Max());
        return low == high ? low.ToString(CultureInfo.InvariantCulture) : $"{low}-{high}";
    }
}
