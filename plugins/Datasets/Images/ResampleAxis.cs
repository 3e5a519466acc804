namespace NirHost.Plugins.Datasets.Images;

/// <summary>
/// Where the output samples of one image axis fall in the source: output pixel i is centred at
/// <c>Origin + (i + 0.5) * Scale</c> source pixels. A crop-then-resize and a resize-then-crop are both
/// one such mapping, so each transform reduces to one resampling pass per axis.
/// </summary>
internal readonly record struct ResampleAxis(double Origin, double Scale, int Length)
{
    /// <summary>The same mapping on a source decoded at <paramref name="factor"/> times its size.</summary>
    public ResampleAxis Rescaled(double factor) => new(Origin * factor, Scale * factor, Length);

    /// <summary>Source pixels [start, end) the bilinear filter reads, within a source of <paramref name="sourceLength"/> pixels.</summary>
    public (int Start, int End) SourceSpan(int sourceLength)
    {
        var support = Math.Max(Scale, 1.0);
        var first = Origin + 0.5 * Scale;
        var last = Origin + (Length - 0.5) * Scale;
        return (Math.Max((int)(first - support + 0.5), 0), Math.Min((int)(last + support + 0.5), sourceLength));
    }
}
