using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the normalised softmax loss (<c>--loss softmax</c>).</summary>
public sealed class SoftmaxOptions
{
    [Flag("loss_softmax_lr", Help = "Learning rate for softmax proxies.", Min = 0)]
    public double Lr { get; set; } = 0.00001;

    [Flag("loss_softmax_temperature", Help = "Temperature for normalized softmax loss.")]
    public double Temperature { get; set; } = 0.05;
}
