using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the original's ProxyAnchor / ProxyNCA criterion (<c>--loss oproxy</c>).</summary>
public sealed class ProxyAnchorOptions
{
    [Flag("loss_oproxy_mode", Help = "Proxy method: anchor = ProxyAnchor, nca = ProxyNCA.", Choices = ["anchor", "nca"])]
    public string Mode { get; set; } = "anchor";

    [Flag("loss_oproxy_lrmulti", Help = "Learning rate multiplier for proxies.", Min = 0)]
    public double LrMultiplier { get; set; } = 2000;

    [Flag("loss_oproxy_pos_alpha", Help = "Inverted temperature/scaling for positive sample-proxy similarities.")]
    public double PosAlpha { get; set; } = 32;

    [Flag("loss_oproxy_neg_alpha", Help = "Inverted temperature/scaling for negative sample-proxy similarities.")]
    public double NegAlpha { get; set; } = 32;

    [Flag("loss_oproxy_pos_delta", Help = "Threshold for positive sample-proxy similarities.")]
    public double PosDelta { get; set; } = 0.1;

    [Flag("loss_oproxy_neg_delta", Help = "Threshold for negative sample-proxy similarities.")]
    public double NegDelta { get; set; } = -0.1;
}
