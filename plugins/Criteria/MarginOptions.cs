using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the margin loss (<c>--loss margin</c>).</summary>
public sealed class MarginOptions
{
    [Flag("loss_margin_margin", Help = "Base Margin parameter in MarginLoss.")]
    public double Margin { get; set; } = 0.2;

    [Flag("loss_margin_beta_lr", Help = "Learning Rate for class margin parameters in MarginLoss.", Min = 0)]
    public double BetaLr { get; set; } = 0.0005;

    [Flag("loss_margin_beta", Help = "Initial class margin Parameter in Margin Loss.")]
    public double Beta { get; set; } = 1.2;

    [Flag("loss_margin_nu", Help = "Regularisation value on betas in Margin Loss.")]
    public double Nu { get; set; } = 0;

    [Flag("loss_margin_beta_constant", Help = "Flag. If set, class margin values are not trained.")]
    public bool BetaConstant { get; set; }
}
