namespace NirHost.Abstractions;

/// <summary>
/// How an architecture wants its input images: a pixel value v in [0, 1] of channel c becomes
/// (v - Mean[c]) / Std[c], and with <see cref="Bgr"/> the channels are then reversed (the original's
/// BN-Inception input). Image datasets apply it; the host provides the one of the selected architecture.
/// </summary>
public sealed record ImageNormalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std, bool Bgr)
{
    /// <summary>torchvision's ImageNet statistics, used by the original for every network but BN-Inception.</summary>
    public static ImageNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], Bgr: false);

    /// <summary>The original's BN-Inception input: mean-subtracted values on a 0-255 scale, channels in BGR order.</summary>
    public static ImageNormalization BnInception { get; } = new([0.502f, 0.4588f, 0.4078f], [0.0039f, 0.0039f, 0.0039f], Bgr: true);
}
