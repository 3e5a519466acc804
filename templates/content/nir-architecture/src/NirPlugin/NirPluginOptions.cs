using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin architecture; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("nirplugin_width", Help = "Channels of the first convolution stage (the second has twice as many).", Min = 1, Max = 4096)]
    public int Width { get; set; } = 16;
}
