using NirHost.Abstractions;

namespace NirHost.Plugins.BatchMiners;

/// <summary>Flags of the original's distance-weighted miners (<c>distance</c>, <c>random_distance</c>).</summary>
public sealed class DistanceMinerOptions
{
    [Flag("miner_distance_lower_cutoff", Help = "Distances below this are raised to it, so very close negatives are drawn with equal weight.", Min = 0)]
    public double LowerCutoff { get; set; } = 0.5;

    [Flag("miner_distance_upper_cutoff", Help = "Declared by the original, which leaves its cutoff disabled (it made results slightly worse); kept for command-line compatibility.")]
    public double UpperCutoff { get; set; } = 1.4;
}
