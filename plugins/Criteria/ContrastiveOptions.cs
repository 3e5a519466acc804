using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the contrastive loss (<c>--loss contrastive</c>).</summary>
public sealed class ContrastiveOptions
{
    [Flag("loss_contrastive_pos_margin", Help = "Positive margin for contrastive pairs.")]
    public double PosMargin { get; set; } = 0;

    [Flag("loss_contrastive_neg_margin", Help = "Negative margin for contrastive pairs.")]
    public double NegMargin { get; set; } = 1;
}
