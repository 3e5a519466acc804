using System.Runtime.InteropServices;
using SkiaSharp;

namespace NirHost.Imaging;

/// <summary>
/// Decodes images with SkiaSharp into interleaved RGBA bytes, grayscale and CMYK images included (Skia
/// converts them to RGB; alpha is left aside as Pillow's <c>convert("RGB")</c> does). For a transform it
/// decodes only what the transform reads: the rows and columns the resampling filter touches and, where asked for, JPEGs at
/// the smallest of libjpeg's 1/8 scales that keeps at least one decoded pixel per output pixel (faster for large images,
/// but libjpeg's scaled inverse DCT is not Pillow's full decode followed by its filter).
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Reads the image's dimensions, checking that SkiaSharp recognises the format.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var image = EncodedImage.Open(path);
        return (image.Codec.Info.Width, image.Codec.Info.Height);
    }

    /// <summary>
    /// Decodes the part of <paramref name="codec"/> that <paramref name="plan"/> samples into <paramref name="buffer"/>
    /// (grown as needed), at a reduced JPEG scale if <paramref name="reducedScale"/>, and returns the region and the plan's
    /// axes in the decoded region's coordinates.
    /// </summary>
    public static DecodedRegion Decode(SKCodec codec, TransformPlan plan, bool reducedScale, string path, ref byte[] buffer)
    {
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        var scaled = reducedScale ? ChooseScale(codec, plan, width, height) : new SKSizeI(width, height);
        var factorX = (double)scaled.Width / width;
        var factorY = (double)scaled.Height / height;
        var x = plan.X.Rescaled(factorX);
        var y = plan.Y.Rescaled(factorY);
        var (left, right) = x.SourceSpan(scaled.Width);
        var (top, bottom) = y.SourceSpan(scaled.Height);
        var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

        var regionWidth = right - left;
        var regionHeight = bottom - top;
        var rowBytes = regionWidth * 4;
        Grow(ref buffer, rowBytes * regionHeight);
        var options = new SKCodecOptions(new SKRectI(left, 0, right, scaled.Height));
        if (codec.StartScanlineDecode(info, options) == SKCodecResult.Success && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
        {
            if (top > 0 && !codec.SkipScanlines(top))
            {
                throw new InvalidDataException($"Cannot decode image {path}: its data ends early (a truncated or corrupt file).");
            }
            var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            try
            {
                var decoded = codec.GetScanlines(handle.AddrOfPinnedObject(), regionHeight, rowBytes);
                if (decoded != regionHeight)
                {
                    throw new InvalidDataException($"Cannot decode image {path}: its data ends early (a truncated or corrupt file).");
                }
            }
            finally
            {
                handle.Free();
            }
        }
        else
        {
            DecodeWhole(codec, info, path, left, top, regionWidth, regionHeight, buffer);
        }
        return new DecodedRegion(regionWidth, regionHeight, rowBytes, x, y, left, top, scaled.Width, scaled.Height);
    }

    /// <summary>Formats without scanline access (or other scanline orders): decode everything, keep the region.</summary>
    private static void DecodeWhole(SKCodec codec, SKImageInfo info, string path, int left, int top, int width, int height, byte[] region)
    {
        var whole = new byte[info.RowBytes * info.Height];
        var handle = GCHandle.Alloc(whole, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            result = codec.GetPixels(info, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException($"Cannot decode image {path}: {result}.");
        }
        for (var row = 0; row < height; row++)
        {
            Buffer.BlockCopy(whole, (top + row) * info.RowBytes + left * 4, region, row * width * 4, width * 4);
        }
    }

    /// <summary>
    /// The smallest decode size the codec offers that still gives every output pixel at least one source
    /// pixel along each axis, so downscaling in the decoder never loses resolution the output would have had.
    /// </summary>
    private static SKSizeI ChooseScale(SKCodec codec, TransformPlan plan, int width, int height)
    {
        var full = new SKSizeI(width, height);
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg || plan.X.Scale <= 1.0 || plan.Y.Scale <= 1.0)
        {
            return full;
        }
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var candidate = codec.GetScaledDimensions(eighths / 8f);
            if (candidate.Width >= width || candidate.Width <= 0 || candidate.Height <= 0)
            {
                continue;
            }
            var factorX = (double)candidate.Width / width;
            var factorY = (double)candidate.Height / height;
            if (plan.X.Scale * factorX >= 1.0 && plan.Y.Scale * factorY >= 1.0)
            {
                return candidate;
            }
        }
        return full;
    }

    private static void Grow(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
    }
}

/// <summary>
/// A decoded rectangle of an image (RGBA rows) at [Left, Top] of the decoded size SourceWidth x SourceHeight,
/// and the transform's axes in that decoded size's coordinates.
/// </summary>
internal readonly record struct DecodedRegion(int Width, int Height, int RowBytes, ResampleAxis X, ResampleAxis Y,
    int Left, int Top, int SourceWidth, int SourceHeight);

/// <summary>An image file opened for decoding; the codec reads from the file's bytes held natively.</summary>
internal sealed class EncodedImage : IDisposable
{
    private readonly SKData _data;

    private EncodedImage(SKData data, SKCodec codec)
    {
        _data = data;
        Codec = codec;
    }

    public SKCodec Codec { get; }

    public static EncodedImage Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"Cannot read image {path}: the file does not exist.");
        }
        var data = SKData.Create(path)
            ?? throw new InvalidDataException($"Cannot read image {path}: the file is empty or cannot be opened.");
        var codec = SKCodec.Create(data);
        if (codec is null)
        {
            data.Dispose();
            throw new InvalidDataException($"Cannot decode image {path}: not an image format SkiaSharp reads, or a corrupt header.");
        }
        return new EncodedImage(data, codec);
    }

    /// <summary>Encoded bytes held in memory; <paramref name="name"/> names the image in errors.</summary>
    public static EncodedImage FromBytes(byte[] encoded, string name)
    {
        if (encoded.Length == 0)
        {
            throw new InvalidDataException($"Cannot read image {name}: it is empty.");
        }
        var data = SKData.CreateCopy(encoded);
        var codec = SKCodec.Create(data);
        if (codec is null)
        {
            data.Dispose();
            throw new InvalidDataException($"Cannot decode image {name}: not an image format SkiaSharp reads, or a corrupt header.");
        }
        return new EncodedImage(data, codec);
    }

    public void Dispose()
    {
        Codec.Dispose();
        _data.Dispose();
    }
}
