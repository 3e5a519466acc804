using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the quadruplet loss (<c>--loss quadruplet</c>).</summary>
public sealed class QuadrupletOptions
{
    [Flag("loss_quadruplet_margin_alpha_1", Help = "Quadruplet Loss requires two margins. This is the first one.")]
    public double MarginAlpha1 { get; set; } = 0.2;

    [Flag("loss_quadruplet_margin_alpha_2", Help = "This is the second.")]
    public double MarginAlpha2 { get; set; } = 0.2;
}
