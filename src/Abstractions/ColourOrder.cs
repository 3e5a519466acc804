namespace NirHost.Abstractions;

/// <summary>The order of the colour channels of a three-channel input.</summary>
public enum ColourOrder
{
    Rgb,

    /// <summary>Blue, green, red: the original's BN-Inception input (Caffe's convention).</summary>
    Bgr,
}
