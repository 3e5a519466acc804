using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin miner; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("miner_nirplugin_hardest", Help = "Pick each anchor's nearest negative instead of a random one.")]
    public bool Hardest { get; set; }
}
