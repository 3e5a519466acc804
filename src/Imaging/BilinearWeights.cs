namespace NirHost.Imaging;

/// <summary>
/// Per-output-pixel taps of Pillow's bilinear (triangle) filter in its 8-bit fixed point: when shrinking, the filter widens
/// with the scale, which is Pillow's antialiasing and so what torchvision's transforms did on PIL images. Taps, weights
/// and their rounding follow Pillow's <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c>.
/// </summary>
internal sealed class BilinearWeights
{
    /// <summary>Fractional bits of a weight: 32 - 8 - 2, so that a sum of 8-bit pixels times weights fits an int.</summary>
    public const int PrecisionBits = 22;

    /// <summary>What a sum starts from, so that the shift rounds to nearest.</summary>
    public const int Half = 1 << (PrecisionBits - 1);

    public BilinearWeights(ResampleAxis axis, int sourceLength, int sourceOffset)
    {
        var filterScale = Math.Max(axis.Scale, 1.0);
        var support = filterScale;
        TapsPerPixel = (int)Math.Ceiling(support) * 2 + 1;
        First = new int[axis.Length];
        Count = new int[axis.Length];
        Weights = new int[axis.Length * TapsPerPixel];
        var inverse = 1.0 / filterScale;
        var (lower, upper) = axis.Bounds(sourceLength);
        Span<double> taps = stackalloc double[TapsPerPixel];
        for (var i = 0; i < axis.Length; i++)
        {
            var centre = axis.Centre(i, lower);
            var start = Math.Max((int)(centre - support + 0.5), 0);
            var end = Math.Min((int)(centre + support + 0.5), upper - lower);
            var count = Math.Max(Math.Min(end - start, TapsPerPixel), 0);
            var total = 0.0;
            for (var k = 0; k < count; k++)
            {
                var distance = Math.Abs((start + k - centre + 0.5) * inverse);
                taps[k] = distance < 1.0 ? 1.0 - distance : 0.0;
                total += taps[k];
            }
            for (var k = 0; k < count; k++)
            {
                // The triangle's weights are never negative, so Pillow's rounding is +0.5 and truncation.
                var weight = total != 0.0 ? taps[k] / total : taps[k];
                Weights[i * TapsPerPixel + k] = (int)(0.5 + weight * (1 << PrecisionBits));
            }
            First[i] = lower + start - sourceOffset;
            Count[i] = count;
        }
    }

    public int TapsPerPixel { get; }

    /// <summary>First source pixel of each output pixel, relative to the decoded region.</summary>
    public int[] First { get; }

    public int[] Count { get; }

    /// <summary>Fixed-point weights, <see cref="PrecisionBits"/> fractional bits.</summary>
    public int[] Weights { get; }

    /// <summary>A fixed-point sum back to an 8-bit value, clipped as Pillow's <c>clip8</c>.</summary>
    public static int Clip8(int sum) => Math.Clamp(sum >> PrecisionBits, 0, 255);
}
