using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the N-pair loss (<c>--loss npair</c>).</summary>
public sealed class NPairOptions
{
    [Flag("loss_npair_l2", Help = "L2 weight in NPair. Note: Set to 0.02 in paper, but multiplied with 0.25 in the implementation as well.")]
    public double L2 { get; set; } = 0.005;
}
