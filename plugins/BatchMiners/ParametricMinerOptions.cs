using NirHost.Abstractions;

namespace NirHost.Plugins.BatchMiners;

/// <summary>
/// Flags of the base repository's <c>parametric</c> miner. Its code reads them but its <c>parameters.py</c>
/// never declares them, so these defaults are NirHost's: uniform over distances on the whole unit sphere.
/// </summary>
public sealed class ParametricMinerOptions
{
    [Flag("miner_parametric_mode", Help = "Distance distribution negatives are drawn from: uniform, hards (d <= 0.5), semihards (0.3 <= d <= 0.7), veryhards (d <= 0.3).",
        Choices = ["uniform", "hards", "semihards", "veryhards"])]
    public string Mode { get; set; } = "uniform";

    [Flag("miner_parametric_n_support", Help = "Number of support points (bin edges) of the distance distribution.", Min = 3, Max = 1_000_000)]
    public int NSupport { get; set; } = 100;

    [Flag("miner_parametric_support_lim", Help = "Lower and upper end of the distance support.")]
    public double[] SupportLim { get; set; } = [0.0, 2.0];
}
