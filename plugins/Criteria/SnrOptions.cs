using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the signal-to-noise-ratio triplet loss (<c>--loss snr</c>).</summary>
public sealed class SnrOptions
{
    [Flag("loss_snr_margin", Help = "Triplet margin.")]
    public double Margin { get; set; } = 0.2;

    [Flag("loss_snr_reg_lambda", Help = "Regularization of in-batch element sum.")]
    public double RegLambda { get; set; } = 0.005;
}
