namespace NirHost.Plugins.Datasets;

/// <summary>The primitive shapes the synthetic renderer draws, as coverage functions in a unit frame.</summary>
internal enum ShapeKind
{
    Disk,
    Square,
    Triangle,
    Ring,
    Bar,
    Cross,
}

internal static class SyntheticShapes
{
    public const int Count = 6;

    /// <summary>
    /// Signed distance-like value, negative inside the shape, for a point (u, v) in the shape's own frame
    /// where the shape spans about [-1, 1]. Dividing by the pixel size and clamping gives anti-aliased coverage.
    /// </summary>
    public static float Distance(ShapeKind kind, float u, float v) => kind switch
    {
        ShapeKind.Disk => MathF.Sqrt(u * u + v * v) - 1f,
        ShapeKind.Square => MathF.Max(MathF.Abs(u), MathF.Abs(v)) - 0.85f,
        ShapeKind.Triangle => MathF.Max(MathF.Abs(u) * 0.866f + v * 0.5f, -v) - 0.5f,
        ShapeKind.Ring => MathF.Abs(MathF.Sqrt(u * u + v * v) - 0.75f) - 0.25f,
        ShapeKind.Bar => MathF.Max(MathF.Abs(u) - 1f, MathF.Abs(v) - 0.3f),
        ShapeKind.Cross => MathF.Min(
            MathF.Max(MathF.Abs(u) - 1f, MathF.Abs(v) - 0.28f),
            MathF.Max(MathF.Abs(u) - 0.28f, MathF.Abs(v) - 1f)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
