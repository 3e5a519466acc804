using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the lifted structure loss (<c>--loss lifted</c>).</summary>
public sealed class LiftedOptions
{
    [Flag("loss_lifted_neg_margin", Help = "Margin placed on similarities.")]
    public double NegMargin { get; set; } = 1;

    [Flag("loss_lifted_l2", Help = "As embeddings are not normalized, they need to be placed under penalty.")]
    public double L2 { get; set; } = 0.005;
}
