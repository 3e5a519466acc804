using NirHost.Abstractions;

namespace NirHost.Plugins.BatchMiners;

/// <summary>Flags of the original's semihard miner (<c>--batch_mining semihard</c>).</summary>
public sealed class SemihardMinerOptions
{
    [Flag("miner_semihard_margin", Help = "Margin value for semihard mining: negatives farther than the positive by less than this are semihard.")]
    public double Margin { get; set; } = 0.2;
}
