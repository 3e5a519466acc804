namespace NirHost.Plugins.Datasets.Images;

/// <summary>
/// Per-output-pixel taps of Pillow's bilinear (triangle) filter: when shrinking, the filter widens with
/// the scale, which is Pillow's antialiasing and so what torchvision's transforms did on PIL images.
/// </summary>
internal sealed class BilinearWeights
{
    public BilinearWeights(ResampleAxis axis, int sourceLength, int sourceOffset)
    {
        var filterScale = Math.Max(axis.Scale, 1.0);
        var support = filterScale;
        TapsPerPixel = (int)Math.Ceiling(support) * 2 + 1;
        First = new int[axis.Length];
        Count = new int[axis.Length];
        Weights = new float[axis.Length * TapsPerPixel];
        var inverse = 1.0 / filterScale;
        Span<double> taps = stackalloc double[TapsPerPixel];
        for (var i = 0; i < axis.Length; i++)
        {
            var centre = axis.Origin + (i + 0.5) * axis.Scale;
            var start = Math.Max((int)(centre - support + 0.5), 0);
            var end = Math.Min((int)(centre + support + 0.5), sourceLength);
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
                Weights[i * TapsPerPixel + k] = total > 0 ? (float)(taps[k] / total) : 0f;
            }
            First[i] = start - sourceOffset;
            Count[i] = count;
        }
    }

    public int TapsPerPixel { get; }

    /// <summary>First source pixel of each output pixel, relative to the decoded region.</summary>
    public int[] First { get; }

    public int[] Count { get; }

    public float[] Weights { get; }
}
