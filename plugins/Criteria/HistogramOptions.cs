using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the histogram loss (<c>--loss histogram</c>).</summary>
public sealed class HistogramOptions
{
    [Flag("loss_histogram_nbins", Help = "Number of bins for histogram discretization.", Min = 2)]
    public int NBins { get; set; } = 65;
}
