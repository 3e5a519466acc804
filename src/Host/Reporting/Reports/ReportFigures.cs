using ScottPlot;
using SkiaSharp;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// The report's figures, drawn by ScottPlot and returned as <c>data:</c> URIs, so that the HTML file holds them: curves
/// as SVG (small and sharp; text stays text), the embedding scatter as PNG (thousands of points are smaller as pixels).
/// </summary>
public static class ReportFigures
{
    public const int CurveWidth = 560;
    public const int CurveHeight = 320;
    public const int ProjectionSize = 300;

    /// <summary>The colour of the <paramref name="index"/>th group, the same in every figure.</summary>
    public static Color GroupColor(int index) => Palette.GetColor(index);

    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();
    private static readonly IPalette ClassPalette = new ScottPlot.Palettes.Category20();

    // ScottPlot's default family resolves to a serif face on Linux; a sans face of the machine reads better beside the HTML.
    private static readonly string FontFamily = new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" }.FirstOrDefault(SKFontManager.Default.GetFontFamilies().Contains) ?? Fonts.Default;

    /// <summary>Width of the sample retrieval figure as the report shows it: about half its drawn size, sharp enough to judge neighbours.</summary>
    public const int RetrievalWidth = 240;

    /// <summary>Each curve's mean as a line and mean ± standard deviation as a band, one colour per group.</summary>
    /// <param name="logScale">Plots log10 of the values (learning rates span decades).</param>
    public static string Curves(string title, string yLabel, IReadOnlyList<(GroupCurve Curve, int ColorIndex)> curves, bool logScale = false)
    {
        var plot = NewPlot();
        foreach (var (curve, colorIndex) in curves)
        {
            var color = GroupColor(colorIndex);
            Func<double, double> scale = logScale ? Math.Log10 : v => v;
            var mean = curve.Mean.Select(scale).ToArray();
            if (curve.StandardDeviation.Any(s => s > 0))
            {
                var band = plot.Add.FillY(curve.Epochs, [.. curve.Mean.Zip(curve.StandardDeviation, (m, s) => scale(m - s))],
                    [.. curve.Mean.Zip(curve.StandardDeviation, (m, s) => scale(m + s))]);
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            var line = curve.Epochs.Length == 1 ? plot.Add.ScatterPoints(curve.Epochs, mean, color) : plot.Add.ScatterLine(curve.Epochs, mean, color);
            line.LegendText = curve.Name;
            line.LineWidth = 2;
            line.MarkerSize = curve.Epochs.Length == 1 ? 8 : 0;
        }
        plot.Title(title, size: 14);
        plot.XLabel("epoch", size: 12);
        plot.YLabel(logScale ? yLabel + " (log10)" : yLabel, size: 12);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Legend.FontSize = 11;
        plot.ShowLegend(Alignment.LowerRight);
        return "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(CurveWidth, CurveHeight)));
    }

    /// <summary>The projected test embeddings, one colour per class (colours repeat beyond twenty classes).</summary>
    public static string Projection(EmbeddingProjection projection)
    {
        var plot = NewPlot();
        foreach (var byClass in projection.Labels.Select((label, i) => (label, i)).GroupBy(p => p.label).OrderBy(c => c.Key))
        {
            var indices = byClass.Select(p => p.i).ToArray();
            var points = plot.Add.ScatterPoints(indices.Select(i => projection.X[i]).ToArray(), indices.Select(i => projection.Y[i]).ToArray(),
                ClassPalette.GetColor(byClass.Key));
            points.MarkerSize = 3;
        }
        plot.XLabel($"PC1 ({Percent(projection.Explained.First)})", size: 11);
        plot.YLabel($"PC2 ({Percent(projection.Explained.Second)})", size: 11);
        return "data:image/png;base64," + Convert.ToBase64String(plot.GetImageBytes(ProjectionSize, ProjectionSize, ImageFormat.Png));
    }

    private static string Percent(double share) => share.ToString("P0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A JPEG file (the retrieval figure's preview) as a <c>data:</c> URI, as it is.</summary>
    public static string Jpeg(string path) => "data:image/jpeg;base64," + Convert.ToBase64String(File.ReadAllBytes(path));

    /// <summary>
    /// A run's retrieval figure from before runs wrote its preview, scaled down and as JPEG, as a <c>data:</c> URI: the
    /// PNG is about half a megabyte, a hundred of them would make the report a file nobody opens. Null where the file is
    /// not a readable image.
    /// </summary>
    public static string? Retrieval(string path)
    {
        using var original = SKBitmap.Decode(path);
        if (original is null || original.Width == 0)
        {
            return null;
        }
        var width = Math.Min(RetrievalWidth, original.Width);
        var height = (int)Math.Round(original.Height * (double)width / original.Width);
        using var scaled = original.Resize(new SKImageInfo(width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var image = SKImage.FromBitmap(scaled ?? original);
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 85);
        return "data:image/jpeg;base64," + Convert.ToBase64String(jpeg.AsSpan());
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        return plot;
    }
}
