using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NirHost.Imaging;

/// <summary>
/// One image file to one normalised [C, S, S] float tensor slice: decode (only what is needed), resample
/// with Pillow's bilinear filter in two separable passes in its 8-bit fixed point, as a PIL image would be, apply the
/// pixel-wise augmentations, then normalise for the network's <see cref="ImageInput"/> while writing planar
/// channels (one gray channel, as PIL's <c>convert("L")</c>, for a one-channel architecture). Thread-safe; each
/// thread keeps its own scratch buffers.
/// </summary>
internal sealed class ImagePipeline
{
    [ThreadStatic] private static byte[]? t_decoded;
    [ThreadStatic] private static int[]? t_rows;
    [ThreadStatic] private static int[]? t_sums;
    [ThreadStatic] private static float[]? t_pixels;

    private readonly ImageTransform _transform;
    private readonly float[] _scale;
    private readonly float[] _shift;
    private readonly bool _fastEvaluationDecoding;

    /// <param name="fastEvaluationDecoding">
    /// Decode evaluation JPEGs at libjpeg's reduced scales too, as training images are. Off by default: on the project's transform
    /// fixtures it moves evaluation pixels further from the original's (Pillow decodes at full size) than re-encoding the JPEG at
    /// quality 95 does (README, "Image decoding").
    /// </param>
    public ImagePipeline(ImageTransform transform, ImageInput input, bool fastEvaluationDecoding = false)
    {
        _fastEvaluationDecoding = fastEvaluationDecoding;
        if (input.Size > 0 && input.Size != transform.OutputSize)
        {
            throw new ArgumentException(
                $"The architecture takes {input.Size} px input, but the images are cropped to {transform.OutputSize} px; give --crop_size {input.Size}" +
                (transform.Augmentation == Augmentation.Big ? " and an --augmentation other than big, which crops at the resize size." : "."));
        }
        _transform = transform;
        Input = input;
        _scale = [.. Enumerable.Range(0, input.Channels).Select(input.PixelScale)];
        _shift = [.. Enumerable.Range(0, input.Channels).Select(input.PixelShift)];
    }

    public ImageInput Input { get; }

    public int OutputSize => _transform.OutputSize;

    public int ValuesPerImage => Input.Channels * OutputSize * OutputSize;

    /// <summary>A training image when <paramref name="random"/> is given (reduced-scale decoding), else an evaluation image.</summary>
    public void Load(string path, Random? random, Span<float> output) =>
        Load(path, (width, height) => _transform.Plan(width, height, random), reducedScale: random is not null || _fastEvaluationDecoding, output);

    /// <summary>
    /// The image under the plan <paramref name="planFor"/> makes for its stored size (EXIF orientation is ignored, as Pillow's
    /// <c>Image.open</c> does), decoded at a reduced JPEG scale where that loses no output resolution if <paramref name="reducedScale"/>.
    /// </summary>
    public void Load(string path, Func<int, int, TransformPlan> planFor, bool reducedScale, Span<float> output)
    {
        using var image = EncodedImage.Open(path);
        Load(image, path, planFor, reducedScale, output);
    }

    /// <summary>
    /// An evaluation image from an encoded file's bytes (an upload, say); <paramref name="name"/> names it in errors.
    /// The same pixels as <see cref="Load(string, Random?, Span{float})"/> on a file holding those bytes.
    /// </summary>
    public void LoadEvaluation(byte[] encoded, string name, Span<float> output)
    {
        using var image = EncodedImage.FromBytes(encoded, name);
        Load(image, name, (width, height) => _transform.Plan(width, height, random: null), reducedScale: _fastEvaluationDecoding, output);
    }

    private void Load(EncodedImage image, string path, Func<int, int, TransformPlan> planFor, bool reducedScale, Span<float> output)
    {
        var plan = planFor(image.Codec.Info.Width, image.Codec.Info.Height);
        var decoded = t_decoded ??= new byte[1 << 20];
        var region = ImageDecoder.Decode(image.Codec, plan, reducedScale, path, ref decoded);
        t_decoded = decoded;
        var size = OutputSize;
        var pixels = Scratch(ref t_pixels, size * size * 3);
        Resample(decoded, region, pixels);
        if (plan.Grayscale)
        {
            ColorJitter.ToGray(pixels);
        }
        plan.Jitter?.Apply(pixels);
        if (Input.Channels == 1)
        {
            // After the colour augmentations, which work on RGB; the gray value then sits in every channel.
            ColorJitter.ToGray(pixels);
        }
        Normalise(pixels, plan.Flip, output);
    }

    /// <summary>
    /// Pillow's 8-bit resampling, to the bit: a horizontal pass over the decoded rows, rounded to 8 bits, then the vertical
    /// pass, both in its fixed point (22 fractional bits, half added before the shift, clipped to 0-255).
    /// </summary>
    private static void Resample(byte[] decoded, DecodedRegion region, Span<float> pixels)
    {
        var horizontal = new BilinearWeights(region.X, region.SourceWidth, region.Left);
        var vertical = new BilinearWeights(region.Y, region.SourceHeight, region.Top);
        var outWidth = region.X.Length;
        var outHeight = region.Y.Length;
        var rowLength = outWidth * 3;
        var rows = Scratch(ref t_rows, rowLength * region.Height);

        ref var source = ref MemoryMarshal.GetArrayDataReference(decoded);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(horizontal.Weights);
        var taps = horizontal.TapsPerPixel;
        for (var row = 0; row < region.Height; row++)
        {
            ref var line = ref Unsafe.Add(ref source, row * region.RowBytes);
            var target = rows.Slice(row * rowLength, rowLength);
            for (var x = 0; x < outWidth; x++)
            {
                ref var w = ref Unsafe.Add(ref weights, x * taps);
                ref var p = ref Unsafe.Add(ref line, horizontal.First[x] * 4);
                int r = BilinearWeights.Half, g = BilinearWeights.Half, b = BilinearWeights.Half;
                for (var k = 0; k < horizontal.Count[x]; k++)
                {
                    var weight = Unsafe.Add(ref w, k);
                    r += weight * Unsafe.Add(ref p, 4 * k);
                    g += weight * Unsafe.Add(ref p, 4 * k + 1);
                    b += weight * Unsafe.Add(ref p, 4 * k + 2);
                }
                target[3 * x] = BilinearWeights.Clip8(r);
                target[3 * x + 1] = BilinearWeights.Clip8(g);
                target[3 * x + 2] = BilinearWeights.Clip8(b);
            }
        }

        var sums = Scratch(ref t_sums, rowLength);
        var width = Vector<int>.Count;
        for (var y = 0; y < outHeight; y++)
        {
            sums.Fill(BilinearWeights.Half);
            for (var k = 0; k < vertical.Count[y]; k++)
            {
                var weight = vertical.Weights[y * vertical.TapsPerPixel + k];
                var line = rows.Slice((vertical.First[y] + k) * rowLength, rowLength);
                var i = 0;
                for (; i <= rowLength - width; i += width)
                {
                    (new Vector<int>(line[i..]) * weight + new Vector<int>(sums[i..])).CopyTo(sums[i..]);
                }
                for (; i < rowLength; i++)
                {
                    sums[i] += weight * line[i];
                }
            }
            var target = pixels.Slice(y * rowLength, rowLength);
            for (var i = 0; i < rowLength; i++)
            {
                target[i] = BilinearWeights.Clip8(sums[i]);
            }
        }
    }

    /// <summary>Interleaved 0-255 pixels to planar normalised channels, mirrored when flipped, in the declared colour order.</summary>
    private void Normalise(ReadOnlySpan<float> pixels, bool flip, Span<float> output)
    {
        var size = OutputSize;
        var plane = size * size;
        for (var c = 0; c < Input.Channels; c++)
        {
            var scale = _scale[c];
            var shift = _shift[c];
            var channel = output.Slice(Input.Position(c) * plane, plane);
            for (var y = 0; y < size; y++)
            {
                var source = pixels.Slice(y * size * 3, size * 3);
                var target = channel.Slice(y * size, size);
                if (flip)
                {
                    for (var x = 0; x < size; x++)
                    {
                        target[size - 1 - x] = source[3 * x + c] * scale + shift;
                    }
                }
                else
                {
                    for (var x = 0; x < size; x++)
                    {
                        target[x] = source[3 * x + c] * scale + shift;
                    }
                }
            }
        }
    }

    private static Span<T> Scratch<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new T[length];
        }
        return buffer.AsSpan(0, length);
    }
}
