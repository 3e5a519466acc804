using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// The coupling blocks' subnetworks as NIR builds them: Linear(in, width), then (depth - 2) times
/// [ReLU, Linear(width, width)], then ReLU, Linear(width, out), in a Sequential indexed like PyTorch's so
/// that parameters read <c>0.weight</c>, <c>2.weight</c>, ... as in the original's state dict.
/// </summary>
public static class FullyConnectedSubnet
{
    public static readonly string[] Initializations = ["none", "xavier"];

    /// <param name="init">
    /// <c>none</c> keeps PyTorch's default Linear initialisation; <c>xavier</c> re-initialises every layer but the
    /// first with Xavier-uniform weights and zero biases, exactly the layers the original re-initialises.
    /// </param>
    public static Sequential Create(long dimsIn, long dimsOut, int depth, int width, string init = "none")
    {
        if (!Initializations.Contains(init, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown subnet initialisation '{init}'; expected one of {string.Join(", ", Initializations)}.", nameof(init));
        }
        var xavier = init == "xavier";
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", nn.Linear(dimsIn, width)) };
        for (var i = 0; i < depth - 2; i++)
        {
            layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), nn.ReLU()));
            layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Initialize(nn.Linear(width, width), xavier)));
        }
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), nn.ReLU()));
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Initialize(nn.Linear(width, dimsOut), xavier)));
        return nn.Sequential(layers);
    }

    private static Linear Initialize(Linear layer, bool xavier)
    {
        if (xavier)
        {
            using var _ = no_grad();
            nn.init.xavier_uniform_(layer.weight!);
            nn.init.zeros_(layer.bias!);
        }
        return layer;
    }
}
