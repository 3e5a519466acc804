using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin metric; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("metric_nirplugin_k", Help = "Neighbours per query the precision is computed over.", Min = 1, Max = 1000)]
    public int K { get; set; } = 2;
}
