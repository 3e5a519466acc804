namespace NirHost.Imaging;

/// <summary>
/// torchvision's ColorJitter(0.2, 0.2, 0.2, 0.2) on an interleaved RGB image with values in [0, 255]:
/// brightness, contrast, saturation and hue adjustments with factors drawn per image, applied in a
/// random order, each clamped to the valid range as Pillow's enhancers are.
/// </summary>
internal readonly record struct ColorJitter(int[] Order, float Brightness, float Contrast, float Saturation, float Hue)
{
    public static ColorJitter Draw(Random random, float strength = 0.2f)
    {
        int[] order = [0, 1, 2, 3];
        random.Shuffle(order);
        float Factor() => 1f - strength + 2f * strength * random.NextSingle();
        var brightness = Factor();
        var contrast = Factor();
        var saturation = Factor();
        var hue = -strength + 2f * strength * random.NextSingle();
        return new ColorJitter(order, brightness, contrast, saturation, hue);
    }

    public void Apply(Span<float> rgb)
    {
        foreach (var step in Order)
        {
            switch (step)
            {
                case 0:
                    Scale(rgb, Brightness);
                    break;
                case 1:
                    BlendWithConstant(rgb, MathF.Round(MeanLuma(rgb)), Contrast);
                    break;
                case 2:
                    BlendWithGray(rgb, Saturation);
                    break;
                default:
                    ShiftHue(rgb, Hue);
                    break;
            }
        }
    }

    /// <summary>Pillow's ITU-R 601-2 luma, the grey of <c>convert("L")</c>.</summary>
    public static float Luma(float r, float g, float b) => r * 0.299f + g * 0.587f + b * 0.114f;

    public static void ToGray(Span<float> rgb)
    {
        for (var p = 0; p < rgb.Length; p += 3)
        {
            var gray = MathF.Round(Luma(rgb[p], rgb[p + 1], rgb[p + 2]));
            rgb[p] = rgb[p + 1] = rgb[p + 2] = gray;
        }
    }

    private static void Scale(Span<float> rgb, float factor)
    {
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = Math.Clamp(rgb[i] * factor, 0f, 255f);
        }
    }

    private static float MeanLuma(ReadOnlySpan<float> rgb)
    {
        var sum = 0.0;
        for (var p = 0; p < rgb.Length; p += 3)
        {
            sum += MathF.Round(Luma(rgb[p], rgb[p + 1], rgb[p + 2]));
        }
        return (float)(sum / (rgb.Length / 3));
    }

    private static void BlendWithConstant(Span<float> rgb, float constant, float factor)
    {
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = Math.Clamp(constant + (rgb[i] - constant) * factor, 0f, 255f);
        }
    }

    private static void BlendWithGray(Span<float> rgb, float factor)
    {
        for (var p = 0; p < rgb.Length; p += 3)
        {
            var gray = MathF.Round(Luma(rgb[p], rgb[p + 1], rgb[p + 2]));
            for (var c = 0; c < 3; c++)
            {
                rgb[p + c] = Math.Clamp(gray + (rgb[p + c] - gray) * factor, 0f, 255f);
            }
        }
    }

    private static void ShiftHue(Span<float> rgb, float shift)
    {
        for (var p = 0; p < rgb.Length; p += 3)
        {
            float r = rgb[p] / 255f, g = rgb[p + 1] / 255f, b = rgb[p + 2] / 255f;
            var max = MathF.Max(r, MathF.Max(g, b));
            var min = MathF.Min(r, MathF.Min(g, b));
            var delta = max - min;
            if (delta <= 0f)
            {
                continue;
            }
            float hue;
            if (max == r)
            {
                hue = (g - b) / delta / 6f;
            }
            else if (max == g)
            {
                hue = ((b - r) / delta + 2f) / 6f;
            }
            else
            {
                hue = ((r - g) / delta + 4f) / 6f;
            }
            hue += shift;
            hue -= MathF.Floor(hue);
            var saturation = delta / max;
            var sector = hue * 6f;
            var i = (int)sector % 6;
            var f = sector - MathF.Floor(sector);
            var v = max;
            var pp = v * (1f - saturation);
            var q = v * (1f - saturation * f);
            var t = v * (1f - saturation * (1f - f));
            (r, g, b) = i switch
            {
                0 => (v, t, pp),
                1 => (q, v, pp),
                2 => (pp, v, t),
                3 => (pp, q, v),
                4 => (t, pp, v),
                _ => (v, pp, q),
            };
            rgb[p] = r * 255f;
            rgb[p + 1] = g * 255f;
            rgb[p + 2] = b * 255f;
        }
    }
}
