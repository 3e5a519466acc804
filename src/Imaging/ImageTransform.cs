namespace NirHost.Imaging;

/// <summary>What to do with one image: where to sample it and which pixel-wise augmentations follow.</summary>
internal readonly record struct TransformPlan(ResampleAxis X, ResampleAxis Y, bool Flip, bool Grayscale, ColorJitter? Jitter);

/// <summary>
/// The original's transforms (torchvision on PIL images) as sampling plans: training with one of the
/// <c>--augmentation</c> variants, evaluation as Resize(256) + CenterCrop(224). Sizes scale with
/// <paramref name="cropSize"/> (224 in the original) so that tests can run at a lower resolution.
/// </summary>
internal sealed class ImageTransform(Augmentation augmentation, int cropSize)
{
    private static readonly double MinLogRatio = Math.Log(3.0 / 4.0);
    private static readonly double MaxLogRatio = Math.Log(4.0 / 3.0);

    public Augmentation Augmentation { get; } = augmentation;

    /// <summary>The shorter side images are resized to before cropping (256 for a 224 crop).</summary>
    public int ResizeSize { get; } = (int)Math.Round(cropSize * 256.0 / 224.0);

    /// <summary>Side of the square output; 'big' crops at the resize size, as the original.</summary>
    public int OutputSize => Augmentation == Augmentation.Big ? ResizeSize : cropSize;

    /// <summary>
    /// The plan for an image of <paramref name="width"/> x <paramref name="height"/>: training when <paramref name="random"/>
    /// is given, unless the augmentation is none.
    /// </summary>
    public TransformPlan Plan(int width, int height, Random? random)
    {
        if (random is null || Augmentation == Augmentation.None)
        {
            return ResizeThenCrop(width, height, null) with { Flip = false };
        }
        TransformPlan plan;
        if (Augmentation == Augmentation.Red)
        {
            plan = ResizeThenCrop(width, height, random);
        }
        else
        {
            plan = RandomResizedCrop(width, height, random);
            if (Augmentation == Augmentation.Adv)
            {
                plan = plan with { Grayscale = random.NextDouble() < 0.2 };
                plan = plan with { Jitter = ColorJitter.Draw(random) };
            }
        }
        return plan with { Flip = random.NextDouble() < 0.5 };
    }

    /// <summary>Resize the shorter side to <see cref="ResizeSize"/>, then a centre crop (or a random one, for 'red').</summary>
    private TransformPlan ResizeThenCrop(int width, int height, Random? random)
    {
        int resizedWidth, resizedHeight;
        if (width <= height)
        {
            resizedWidth = ResizeSize;
            resizedHeight = (int)((long)ResizeSize * height / width);
        }
        else
        {
            resizedHeight = ResizeSize;
            resizedWidth = (int)((long)ResizeSize * width / height);
        }
        var size = OutputSize;
        if (resizedWidth < size || resizedHeight < size)
        {
            throw new InvalidOperationException($"An image of {width} x {height} resizes to {resizedWidth} x {resizedHeight}, smaller than the {size} crop.");
        }
        int left, top;
        if (random is null)
        {
            left = (int)Math.Round((resizedWidth - size) / 2.0);
            top = (int)Math.Round((resizedHeight - size) / 2.0);
        }
        else
        {
            top = random.Next(resizedHeight - size + 1);
            left = random.Next(resizedWidth - size + 1);
        }
        var scaleX = (double)width / resizedWidth;
        var scaleY = (double)height / resizedHeight;
        // The crop skips output samples of the whole resize, which is what Pillow resamples.
        return new TransformPlan(
            new ResampleAxis(0, scaleX, size, Skip: left),
            new ResampleAxis(0, scaleY, size, Skip: top),
            Flip: false, Grayscale: false, Jitter: null);
    }

    /// <summary>torchvision's RandomResizedCrop parameters: scale (0.08, 1), ratio (3/4, 4/3), ten tries, then a centre fallback.</summary>
    private TransformPlan RandomResizedCrop(int width, int height, Random random)
    {
        var area = (double)width * height;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var targetArea = area * (0.08 + 0.92 * random.NextDouble());
            var aspect = Math.Exp(MinLogRatio + (MaxLogRatio - MinLogRatio) * random.NextDouble());
            var w = (int)Math.Round(Math.Sqrt(targetArea * aspect));
            var h = (int)Math.Round(Math.Sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                var top = random.Next(height - h + 1);
                var left = random.Next(width - w + 1);
                return ResizedCrop(left, top, w, h);
            }
        }
        var ratio = (double)width / height;
        int cropWidth, cropHeight;
        if (ratio < 3.0 / 4.0)
        {
            cropWidth = width;
            cropHeight = (int)Math.Round(width / (3.0 / 4.0));
        }
        else if (ratio > 4.0 / 3.0)
        {
            cropHeight = height;
            cropWidth = (int)Math.Round(height * (4.0 / 3.0));
        }
        else
        {
            cropWidth = width;
            cropHeight = height;
        }
        return ResizedCrop((width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight);
    }

    /// <summary>The box [left, top, width, height] of the source resized to the output size (torchvision's <c>resized_crop</c>).</summary>
    public TransformPlan ResizedCrop(int left, int top, int width, int height)
    {
        var size = OutputSize;
        return new TransformPlan(
            new ResampleAxis(left, (double)width / size, size, Lower: left, Upper: left + width),
            new ResampleAxis(top, (double)height / size, size, Lower: top, Upper: top + height),
            Flip: false, Grayscale: false, Jitter: null);
    }
}
