namespace NirHost.Imaging;

/// <summary>
/// Where the output samples of one image axis fall in the source: output pixel i is sample <c>Skip + i</c> of a resampling
/// whose sample j is centred at <c>Start + (j + 0.5) * Scale</c> source pixels. A crop-then-resize and a resize-then-crop
/// are both one such mapping, so each transform reduces to one resampling pass per axis. The filter reads source pixels in
/// [<see cref="Lower"/>, <see cref="Upper"/>) only: a crop that is resized (torchvision's <c>resized_crop</c>) hands Pillow
/// the cropped image, whose filter renormalises at the crop's edges instead of reading the pixels beyond them.
/// </summary>
internal readonly record struct ResampleAxis(double Start, double Scale, int Length, int Skip = 0, int Lower = 0, int Upper = int.MaxValue)
{
    /// <summary>Centre of output pixel 0, in source pixels.</summary>
    public double Origin => Start + Skip * Scale;

    /// <summary>
    /// Centre of output pixel <paramref name="i"/> relative to <paramref name="lower"/>, summed in the order Pillow sums it on
    /// the image it resizes (the whole image, or the crop), so that the filter's taps and weights come out bit for bit alike.
    /// </summary>
    public double Centre(int i, int lower) => (Start - lower) + (Skip + i + 0.5) * Scale;

    /// <summary>
    /// The same mapping on a source decoded at <paramref name="factor"/> times its size; a crop's edges move out to whole
    /// decoded pixels.
    /// </summary>
    public ResampleAxis Rescaled(double factor) => new(Start * factor, Scale * factor, Length, Skip,
        (int)Math.Floor(Lower * factor), Upper == int.MaxValue ? int.MaxValue : (int)Math.Ceiling(Upper * factor));

    /// <summary>Source pixels [start, end) the bilinear filter reads, within a source of <paramref name="sourceLength"/> pixels.</summary>
    public (int Start, int End) SourceSpan(int sourceLength)
    {
        var support = Math.Max(Scale, 1.0);
        var (lower, upper) = Bounds(sourceLength);
        var first = Math.Max((int)(Centre(0, lower) - support + 0.5), 0);
        var last = Math.Min((int)(Centre(Length - 1, lower) + support + 0.5), upper - lower);
        return (lower + first, lower + last);
    }

    /// <summary>The readable source pixels [lower, upper) within a source of <paramref name="sourceLength"/> pixels.</summary>
    public (int Lower, int Upper) Bounds(int sourceLength) => (Math.Max(Lower, 0), Math.Min(Upper, sourceLength));
}
