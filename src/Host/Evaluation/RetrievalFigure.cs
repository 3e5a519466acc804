using NirHost.Abstractions;
using NirHost.Evaluation;
using SkiaSharp;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// The original's <c>sample_recoveries.png</c>: random queries of a split, one per row, each followed by its
/// nearest neighbours (Euclidean, the query excluded). Queries are framed in blue; a neighbour of the query's
/// class in green, of another class in red. It stays in the host because it draws dataset images with SkiaSharp,
/// a dependency the evaluation library (NirHost.Evaluation) does without.
/// </summary>
public static class RetrievalFigure
{
    public const string FileName = "sample_recoveries.png";

    /// <summary>
    /// The figure at half size as JPEG, drawn with it: what reports inline (a hundred runs' full PNGs would make a report of
    /// tens of megabytes, and decoding them to scale them down would cost most of its time).
    /// </summary>
    public const string PreviewFileName = "sample_recoveries_preview.jpg";
    public const int Queries = 10;
    public const int Neighbours = 3;
    private const int Tile = 112;
    private const int Frame = 6;
    private const int Gap = 4;

    /// <summary>What the figure needs from the evaluation, to be searched with the metrics' neighbours.</summary>
    public static EvaluationNeeds Needs { get; } = new() { EuclideanNeighbours = Neighbours };

    /// <summary>
    /// Draws the figure to <paramref name="path"/>, and its <see cref="PreviewFileName"/> beside it; false (and nothing
    /// written) when the split has no images to show.
    /// A failed write is an IOException naming the file, the previous figure left whole.
    /// </summary>
    public static bool Write(string path, EvaluationData data, IDataSplit split, int seed) =>
        data.Count > Neighbours
        && Draw(path, data.Count, data.NearestNeighbourIndices(Neighbours, cosine: false), seed, split, split, (query, neighbour) => data.Labels[neighbour] == data.Labels[query]);

    /// <summary>
    /// The figure of a query/gallery evaluation: random queries, each followed by its nearest gallery samples (nothing
    /// excluded). The query and gallery splits share their labels (<see cref="DatasetSplits.Query"/>).
    /// </summary>
    public static bool Write(string path, QueryGalleryEvaluationData data, IDataSplit query, IDataSplit gallery, int seed) =>
        data.GalleryCount >= Neighbours
        && Draw(path, data.QueryCount, data.NearestNeighbourIndices(Neighbours, cosine: false), seed, query, gallery,
            (q, neighbour) => data.GalleryLabels[neighbour] == data.Labels[q]);

    private static bool Draw(string path, int count, int[,] nearest, int seed, IDataSplit querySplit, IDataSplit neighbourSplit, Func<int, int, bool> sameClass)
    {
        var rng = new Random(seed);
        var queries = Enumerable.Range(0, Math.Min(Queries, count)).Select(_ => rng.Next(count)).ToArray();
        var width = (Neighbours + 1) * (Tile + Gap) + Gap;
        var height = queries.Length * (Tile + Gap) + Gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { IsAntialias = false };
        for (var row = 0; row < queries.Length; row++)
        {
            var query = queries[row];
            for (var column = 0; column <= Neighbours; column++)
            {
                var index = column == 0 ? query : nearest[query, column - 1];
                // A split's display image may leave intermediate tensors behind (the default stretches the evaluation
                // tensor); the scope frees them with the picture, ten queries times four images every epoch.
                using var scope = NewDisposeScope();
                using var bitmap = ToBitmap((column == 0 ? querySplit : neighbourSplit).DisplayImage(index));
                if (bitmap is null)
                {
                    return false;
                }
                var x = Gap + column * (Tile + Gap);
                var y = Gap + row * (Tile + Gap);
                paint.Color = column == 0 ? SKColors.RoyalBlue : sameClass(query, index) ? SKColors.ForestGreen : SKColors.Crimson;
                canvas.DrawRect(x, y, Tile, Tile, paint);
                using var image = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(image, new SKRect(x + Frame, y + Frame, x + Tile - Frame, y + Tile - Frame), new SKSamplingOptions(SKFilterMode.Linear));
            }
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        NirHost.Host.IO.AtomicFile.Write(path, png.SaveTo);
        using var preview = SKSurface.Create(new SKImageInfo(width / 2, height / 2, SKColorType.Rgba8888, SKAlphaType.Premul));
        preview.Canvas.DrawImage(snapshot, new SKRect(0, 0, width / 2, height / 2), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var small = preview.Snapshot();
        using var jpeg = small.Encode(SKEncodedImageFormat.Jpeg, 85);
        NirHost.Host.IO.AtomicFile.Write(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, PreviewFileName), jpeg.SaveTo);
        return true;
    }

    /// <summary>[C, H, W] values in [0, 1] (C 1 or 3) as an opaque RGBA bitmap; null for anything else.</summary>
    internal static SKBitmap? ToBitmap(Tensor image)
    {
        using var _ = image;
        if (image.dim() != 3 || image.shape[0] is not (1 or 3))
        {
            return null;
        }
        using var scope = NewDisposeScope();
        var height = (int)image.shape[1];
        var width = (int)image.shape[2];
        var rgb = image.shape[0] == 1 ? image.expand(3, height, width) : image;
        var bytes = rgb.clamp(0, 1).mul(255).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[width * height * 4];
        for (var i = 0; i < width * height; i++)
        {
            pixels[i * 4] = bytes[i * 3];
            pixels[i * 4 + 1] = bytes[i * 3 + 1];
            pixels[i * 4 + 2] = bytes[i * 3 + 2];
            pixels[i * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }
}
