using NirHost.Abstractions;

namespace NirHost.Plugins.Architectures;

/// <summary>Flags of the small convolutional network for the embedded dataset.</summary>
public sealed class ConvNetOptions
{
    [Flag("convnet_width", Help = "Channels of the first convolution of --arch convnet; later stages double it.", Min = 4, Max = 512)]
    public int Width { get; set; } = 32;
}
