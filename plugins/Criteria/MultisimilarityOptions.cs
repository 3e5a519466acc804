using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the multi-similarity loss (<c>--loss multisimilarity</c>).</summary>
public sealed class MultisimilarityOptions
{
    [Flag("loss_multisimilarity_dim", Help = "Dimension of affinity matrix along which logsumexp is computed.", Min = 0, Max = 1)]
    public int Dim { get; set; }

    [Flag("loss_multisimilarity_pos_weight", Help = "Weighting on positive similarities.")]
    public double PosWeight { get; set; } = 2;

    [Flag("loss_multisimilarity_neg_weight", Help = "Weighting on negative similarities.")]
    public double NegWeight { get; set; } = 40;

    [Flag("loss_multisimilarity_margin", Help = "Distance margin for both positive and negative similarities.")]
    public double Margin { get; set; } = 0.1;

    [Flag("loss_multisimilarity_pos_thresh", Help = "Theshold on positive similarities (same class).")]
    public double PosThresh { get; set; } = 0.5;

    [Flag("loss_multisimilarity_neg_thresh", Help = "Theshold on negative similarities (different class).")]
    public double NegThresh { get; set; } = 0.5;
}
