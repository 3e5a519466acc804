using SkiaSharp;

namespace NirHost.Host.Evaluation;

/// <summary>
/// <c>nirhost search --figure</c>: one row per query, the query (framed in blue) followed by its matches, best first.
/// Where the query's label and a match's label are known the match is framed green when they agree and red when they
/// do not; otherwise gray. Images keep their aspect ratio inside square tiles.
/// </summary>
public static class SearchFigure
{
    private const int Tile = 128;
    private const int Frame = 6;
    private const int Gap = 4;

    /// <summary>A picture and the label it is known to have (null when unknown).</summary>
    public sealed record Picture(Func<SKBitmap> Load, long? Label);

    /// <summary>Draws the rows of (query, matches) as PNG to <paramref name="path"/>, through a temporary file and a rename.</summary>
    public static void Write(string path, IReadOnlyList<(Picture Query, IReadOnlyList<Picture> Matches)> rows)
    {
        var columns = 1 + rows.Max(r => r.Matches.Count);
        var width = columns * (Tile + Gap) + Gap;
        var height = rows.Count * (Tile + Gap) + Gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { IsAntialias = false };
        for (var row = 0; row < rows.Count; row++)
        {
            var (query, matches) = rows[row];
            for (var column = 0; column <= matches.Count; column++)
            {
                var picture = column == 0 ? query : matches[column - 1];
                paint.Color = column == 0 ? SKColors.RoyalBlue
                    : query.Label is null || picture.Label is null ? SKColors.Gray
                    : query.Label == picture.Label ? SKColors.ForestGreen : SKColors.Crimson;
                var x = Gap + column * (Tile + Gap);
                var y = Gap + row * (Tile + Gap);
                canvas.DrawRect(x, y, Tile, Tile, paint);
                using var bitmap = picture.Load();
                using var image = SKImage.FromBitmap(bitmap);
                var inner = Tile - 2 * Frame;
                var scale = Math.Min((float)inner / bitmap.Width, (float)inner / bitmap.Height);
                var (w, h) = (bitmap.Width * scale, bitmap.Height * scale);
                var left = x + Frame + (inner - w) / 2;
                var top = y + Frame + (inner - h) / 2;
                canvas.DrawImage(image, new SKRect(left, top, left + w, top + h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            }
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        NirHost.Host.IO.AtomicFile.Write(path, png.SaveTo);
    }

    /// <summary>An image file, decoded; an unreadable one is an error naming it.</summary>
    public static SKBitmap FromFile(string path) =>
        SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} is not an image SkiaSharp can decode (for --figure).");
}
