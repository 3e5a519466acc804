using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the SoftTriple loss (<c>--loss softtriplet</c>).</summary>
public sealed class SoftTripletOptions
{
    [Flag("loss_softtriplet_n_centroids", Help = "Number of proxies per class.", Min = 1)]
    public int NCentroids { get; set; } = 2;

    [Flag("loss_softtriplet_margin_delta", Help = "Margin placed on sample-proxy similarities.")]
    public double MarginDelta { get; set; } = 0.01;

    [Flag("loss_softtriplet_gamma", Help = "Weight over sample-proxies within a class.")]
    public double Gamma { get; set; } = 0.1;

    [Flag("loss_softtriplet_lambda", Help = "Serves as a temperature.")]
    public double Lambda { get; set; } = 8;

    [Flag("loss_softtriplet_reg_weight", Help = "Regularization weight on the number of proxies.")]
    public double RegWeight { get; set; } = 0.2;

    [Flag("loss_softtriplet_lrmulti", Help = "Learning Rate multiplier for proxies.", Min = 0)]
    public double LrMultiplier { get; set; } = 1;
}
