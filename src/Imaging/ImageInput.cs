namespace NirHost.Imaging;

/// <summary>
/// What a network takes, as numbers only: square images of <see cref="Size"/> pixels (0: any size), <see cref="Channels"/>
/// channels (1 gray, 3 colour in <see cref="ColourOrder"/>), and an 8-bit pixel p of channel c fed as
/// <c>(p / 255 * ValueScale - Mean[c]) / Std[c]</c>, Mean and Std listed in RGB order and applied before any reordering.
/// </summary>
/// <remarks>
/// The training side's <c>NirHost.Abstractions.InputContract</c> says the same and maps onto this (the Datasets plugin);
/// an exported model carries it in its metadata (NirHost.Inference reads it). Kept apart so that preparing an image
/// needs no TorchSharp.
/// </remarks>
public sealed record ImageInput
{
    public ImageInput(int size, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        ImageColourOrder colourOrder = ImageColourOrder.Rgb, float valueScale = 1f)
    {
        Size = size >= 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "The input size is 0 (any) or positive.");
        Channels = channels is 1 or 3
            ? channels
            : throw new ArgumentOutOfRangeException(nameof(channels), channels, "Image inputs have 1 (gray) or 3 (colour) channels.");
        Mean = mean.Count == channels ? [.. mean] : throw new ArgumentException($"{mean.Count} means for {channels} channels.", nameof(mean));
        Std = std.Count == channels && std.All(s => s > 0)
            ? [.. std]
            : throw new ArgumentException($"Std needs one positive value per channel ({channels}); got {string.Join(", ", std)}.", nameof(std));
        ColourOrder = colourOrder;
        ValueScale = valueScale > 0 ? valueScale : throw new ArgumentOutOfRangeException(nameof(valueScale), valueScale, "The value scale is positive.");
    }

    public int Size { get; }

    public int Channels { get; }

    public IReadOnlyList<float> Mean { get; }

    public IReadOnlyList<float> Std { get; }

    public ImageColourOrder ColourOrder { get; }

    public float ValueScale { get; }

    /// <summary>Multiplier of an 8-bit pixel value of channel <paramref name="channel"/> (RGB order): <c>ValueScale / (255 Std[c])</c>.</summary>
    public float PixelScale(int channel) => ValueScale / (255f * Std[channel]);

    /// <summary>Offset added after <see cref="PixelScale"/>: <c>-Mean[c] / Std[c]</c>.</summary>
    public float PixelShift(int channel) => -Mean[channel] / Std[channel];

    /// <summary>Where channel <paramref name="channel"/> (RGB order) goes in the prepared image.</summary>
    public int Position(int channel) => Channels == 3 && ColourOrder == ImageColourOrder.Bgr ? 2 - channel : channel;

    /// <summary>Equal numbers, list by list (a record would compare the lists by reference).</summary>
    public bool Equals(ImageInput? other) =>
        other is not null && Size == other.Size && Channels == other.Channels && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std)
        && ColourOrder == other.ColourOrder && ValueScale == other.ValueScale;

    public override int GetHashCode() => HashCode.Combine(Size, Channels, ColourOrder, ValueScale, Mean.Count > 0 ? Mean[0] : 0f);
}
