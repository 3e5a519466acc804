using NirHost.Abstractions;

namespace NirHost.Plugins.BatchMiners;

/// <summary>Flags of the original's spectrum-regularised miner (<c>--batch_mining rho_distance</c>).</summary>
public sealed class RhoDistanceMinerOptions
{
    [Flag("miner_rho_distance_lower_cutoff", Help = "Distances below this are raised to it, as with distance-based mining.", Min = 0)]
    public double LowerCutoff { get; set; } = 0.5;

    [Flag("miner_rho_distance_upper_cutoff", Help = "Declared by the original, which leaves its cutoff disabled; kept for command-line compatibility.")]
    public double UpperCutoff { get; set; } = 1.4;

    [Flag("miner_rho_distance_cp", Help = "Probability with which an anchor's triplet is replaced by one that pushes apart two samples of its class.", Min = 0, Max = 1)]
    public double ContrastiveProbability { get; set; } = 0.2;
}
