using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin criterion; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("loss_nirplugin_margin", Help = "Cosine similarity below which pairs of different classes cost nothing.", Min = -1, Max = 1)]
    public double Margin { get; set; } = 0.5;
}
