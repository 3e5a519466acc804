using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Flows;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Flags of the original's NIR criterion (<c>--loss nir</c>, its <c>nir_parameters</c>), with its defaults.
/// Several are read by the original but never used; they are accepted here so that its command lines run unchanged.
/// </summary>
public sealed class NirOptions
{
    [Flag("loss_nir_safe_flow", Help = "Evaluate the flow term in float64 log space with its gradient capped at --loss_nir_safe_flow_bound, so that it cannot overflow into float32 where the original does (off: the original's arithmetic, bit for bit).")]
    public bool SafeFlow { get; set; }

    [Flag("loss_nir_safe_flow_bound", Help = "With --loss_nir_safe_flow: the flow term's gradient is the original's while the term (the batch mean of exp(nll)) is at most this, and that direction scaled to this length above it.", Min = 1)]
    public double SafeFlowBound { get; set; } = 1e4;

    [Flag("loss_nir_w_align", Help = "Alignment weight between proxy-loss and NF loss.")]
    public double WAlign { get; set; } = 0.01;

    [Flag("loss_nir_proxy_lrmulti", Help = "Learning rate multiplier for proxy-based normflow approach.", Min = 0)]
    public double ProxyLrMultiplier { get; set; } = 4000;

    [Flag("loss_nir_lrmulti", Help = "Learning rate multiplier for normalizing flows header.", Min = 0)]
    public double LrMultiplier { get; set; } = 50;

    [Flag("loss_nir_logmatch", Help = "Weight scale for log_jac_det. (Unused, as in the original.)")]
    public double LogMatch { get; set; } = 1;

    [Flag("loss_nir_pos_alpha", Help = "Positive relation weighting. (Unused, as in the original.)")]
    public double PosAlpha { get; set; } = 1;

    [Flag("loss_nir_neg_alpha", Help = "Negative relation weighting. (Unused, as in the original.)")]
    public double NegAlpha { get; set; } = 1;

    [Flag("loss_nir_margin", Help = "Masking threshold. (Unused, as in the original.)")]
    public double Margin { get; set; } = 0.1;

    [Flag("loss_nir_delta", Help = "Scaling threshold in MSIM-style formulation. (Unused, as in the original.)")]
    public double Delta { get; set; } = 0.2;

    [Flag("loss_nir_pair_perc", Help = "Percentage of sample-proxy-pairs to use during training. (Unused, as in the original.)")]
    public double PairPerc { get; set; } = 1;

    [Flag("loss_nir_noise", Help = "Input Noise to NF model.", Min = 0)]
    public double Noise { get; set; }

    [Flag("loss_nir_nf_cond_mode", Help = "Conditioning mode for normflow model.",
        Choices = [ConditionMode.Dense, ConditionMode.DenseEmbed, ConditionMode.DenseEmbedMulti, ConditionMode.DenseEmbedMultiStacked,
            ConditionMode.Start, ConditionMode.Mid, ConditionMode.End])]
    public string CondMode { get; set; } = ConditionMode.Dense;

    [Flag("loss_nir_nf_fc_depth", Help = "Depth of nonlinear FC mapper in NF blocks.", Min = 1)]
    public int FcDepth { get; set; } = 8;

    [Flag("loss_nir_nf_fc_width", Help = "Num nodes of nonlinear FC mapper layers in NF blocks.", Min = 1)]
    public int FcWidth { get; set; } = 128;

    [Flag("loss_nir_nf_cblocks", Help = "Number of NormFlow blocks.", Min = 1)]
    public int CBlocks { get; set; } = 5;

    [Flag("loss_nir_nf_fc_dropout", Help = "Dropout for nonlinear FC mapper. (Unused: the original passes it to its subnets, which ignore it.)", Min = 0, Max = 1)]
    public double FcDropout { get; set; }

    [Flag("loss_nir_nf_clamp_alpha", Help = "Clamping value.")]
    public double ClampAlpha { get; set; } = 2;

    [Flag("loss_nir_nf_fc_init", Help = "Initializaiton method to use for linear subnets.", Choices = ["none", "xavier"])]
    public string FcInit { get; set; } = "none";
}
