using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// The input an architecture wants, which image datasets produce for it: square images of <see cref="Size"/> pixels
/// (0: any size), <see cref="Channels"/> channels (1 gray, 3 colour in <see cref="ColourOrder"/>), and an 8-bit pixel
/// p of channel c fed as <c>(p / 255 * ValueScale - Mean[c]) / Std[c]</c> (torchvision's <c>ToTensor</c> then
/// <c>Normalize</c> when <see cref="ValueScale"/> is 1). Mean and Std are listed per channel in RGB order, as the
/// original's <c>Normalize</c> calls list them, and applied before any reordering to BGR.
/// </summary>
/// <remarks>
/// Datasets are built before the architecture (its constructor needs the dataset's class count), so an architecture
/// declares this on its type (<see cref="IDeclaresInput"/>), not on an instance. A plain record of numbers, so that
/// exported models can carry it.
/// </remarks>
public sealed record InputContract(int Size, int Channels, IReadOnlyList<float> Mean, IReadOnlyList<float> Std,
    ColourOrder ColourOrder = ColourOrder.Rgb, float ValueScale = 1f)
{
    public int Size { get; } = Size >= 0 ? Size : throw new ArgumentOutOfRangeException(nameof(Size), Size, "The input size is 0 (any) or positive.");

    public int Channels { get; } = Channels is 1 or 3
        ? Channels
        : throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "Image inputs have 1 (gray) or 3 (colour) channels.");

    public IReadOnlyList<float> Mean { get; } = Mean.Count == Channels ? Mean : throw new ArgumentException($"{Mean.Count} means for {Channels} channels.", nameof(Mean));

    public IReadOnlyList<float> Std { get; } = Std.Count == Channels && Std.All(s => s > 0)
        ? Std
        : throw new ArgumentException($"Std needs one positive value per channel ({Channels}); got {string.Join(", ", Std)}.", nameof(Std));

    public float ValueScale { get; } = ValueScale > 0 ? ValueScale : throw new ArgumentOutOfRangeException(nameof(ValueScale), ValueScale, "The value scale is positive.");

    /// <summary>torchvision's ImageNet statistics on RGB in [0, 1]: what the original feeds every network but BN-Inception.</summary>
    public static InputContract ImageNet { get; } = new(0, 3, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>
    /// The original's BN-Inception input: its <c>Normalize(mean=[0.502, 0.4588, 0.4078], std=[0.0039] * 3)</c>, which
    /// makes mean-subtracted values on a 0-255 scale, with the channels then reversed to BGR.
    /// </summary>
    public static InputContract BnInception { get; } = new(0, 3, [0.502f, 0.4588f, 0.4078f], [0.0039f, 0.0039f, 0.0039f], ColourOrder.Bgr);

    /// <summary>Equal numbers, list by list (a record would compare the lists by reference).</summary>
    public bool Equals(InputContract? other) =>
        other is not null && Size == other.Size && Channels == other.Channels && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std)
        && ColourOrder == other.ColourOrder && ValueScale == other.ValueScale;

    public override int GetHashCode() => HashCode.Combine(Size, Channels, ColourOrder, ValueScale, Mean.Count > 0 ? Mean[0] : 0f);

    /// <summary>Multiplier of an 8-bit pixel value of channel <paramref name="channel"/> (RGB order): <c>ValueScale / (255 Std[c])</c>.</summary>
    public float PixelScale(int channel) => ValueScale / (255f * Std[channel]);

    /// <summary>Offset added after <see cref="PixelScale"/>: <c>-Mean[c] / Std[c]</c>.</summary>
    public float PixelShift(int channel) => -Mean[channel] / Std[channel];

    /// <summary>Where channel <paramref name="channel"/> (RGB order) goes in the input tensor.</summary>
    public int Position(int channel) => Channels == 3 && ColourOrder == ColourOrder.Bgr ? 2 - channel : channel;

    /// <summary>
    /// Undoes the normalisation of one input image, [Channels, H, W], for display: [Channels, H, W] float32 in
    /// [0, 1], RGB order, so that a gray image stays gray.
    /// </summary>
    public Tensor ToDisplay(Tensor image)
    {
        using var scope = NewDisposeScope();
        var values = image.to(ScalarType.Float32).cpu();
        if (Channels == 3 && ColourOrder == ColourOrder.Bgr)
        {
            values = values.flip(0);
        }
        var mean = tensor(Mean.ToArray()).view(Channels, 1, 1);
        var std = tensor(Std.ToArray()).view(Channels, 1, 1);
        return values.mul(std).add(mean).div(ValueScale).clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The contract an architecture type declares for <paramref name="spec"/> (<see cref="IDeclaresInput"/>), or
    /// <see cref="ImageNet"/> for one that declares none.
    /// </summary>
    public static InputContract Of(Type architecture, ComponentSpec spec)
    {
        if (!typeof(IDeclaresInput).IsAssignableFrom(architecture))
        {
            return ImageNet;
        }
        // A static member is reached through a generic method constrained to the interface.
        var declared = typeof(InputContract).GetMethod(nameof(Declared), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(architecture);
        return (InputContract)declared.Invoke(null, System.Reflection.BindingFlags.DoNotWrapExceptions, binder: null, [spec], culture: null)!;
    }

    private static InputContract Declared<T>(ComponentSpec spec) where T : IDeclaresInput => T.InputFor(spec);
}

/// <summary>
/// An architecture that wants other input than <see cref="InputContract.ImageNet"/> declares it here, on its type, so
/// that the host can read it before the architecture exists (datasets are built first).
/// </summary>
public interface IDeclaresInput
{
    /// <summary>The input for the architecture named <paramref name="spec"/> (suffixes may change it: a <c>_gray</c> variant).</summary>
    static abstract InputContract InputFor(ComponentSpec spec);
}
