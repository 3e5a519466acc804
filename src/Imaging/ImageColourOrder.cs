namespace NirHost.Imaging;

/// <summary>The order of the three colour channels in a prepared image.</summary>
public enum ImageColourOrder
{
    Rgb,

    /// <summary>Blue, green, red: the original's BN-Inception input (Caffe's convention).</summary>
    Bgr,
}
