namespace NirHost.Plugins.Datasets;

/// <summary>
/// Renders procedurally generated object images. A class is a fixed arrangement of coloured parts; each
/// image shows it under its own rotation, scale, position and colour shift, over a cluttered background,
/// so that telling classes apart needs an embedding that is invariant to those nuisances.
/// </summary>
internal sealed class SyntheticRenderer(int imageSize)
{
    private const int PartsPerClass = 3;
    private const int ClutterShapes = 6;

    // A small shared palette makes classes share colours and shapes, so no single cue identifies a class.
    private static readonly float[][] Palette =
    [
        [0.90f, 0.20f, 0.20f], [0.20f, 0.70f, 0.25f], [0.20f, 0.35f, 0.90f], [0.95f, 0.80f, 0.15f],
        [0.75f, 0.25f, 0.80f], [0.15f, 0.80f, 0.85f], [0.95f, 0.55f, 0.15f], [0.92f, 0.92f, 0.92f],
    ];

    private sealed record Part(ShapeKind Shape, float[] Colour, float X, float Y, float Size, float Angle);

    /// <summary>The fixed recipe of class <paramref name="classId"/> under dataset seed <paramref name="seed"/>.</summary>
    private static Part[] ClassRecipe(int seed, int classId)
    {
        var random = new Random(StableSeed(seed, classId, 0x5EED));
        var parts = new Part[PartsPerClass];
        for (var p = 0; p < parts.Length; p++)
        {
            var radius = p == 0 ? 0f : 0.35f + 0.25f * random.NextSingle();
            var direction = random.NextSingle() * 2f * MathF.PI;
            parts[p] = new Part(
                (ShapeKind)random.Next(SyntheticShapes.Count),
                Palette[random.Next(Palette.Length)],
                radius * MathF.Cos(direction),
                radius * MathF.Sin(direction),
                p == 0 ? 0.42f + 0.12f * random.NextSingle() : 0.2f + 0.12f * random.NextSingle(),
                random.NextSingle() * MathF.PI);
        }
        return parts;
    }

    /// <summary>Renders image <paramref name="sampleId"/> of a class into <paramref name="pixels"/> as [3, H, W] in [0, 1].</summary>
    public void Render(int seed, int classId, int sampleId, Span<float> pixels)
    {
        var recipe = ClassRecipe(seed, classId);
        var random = new Random(StableSeed(seed, classId, sampleId));

        var rotation = (random.NextSingle() - 0.5f) * MathF.PI * 2f;
        var scale = 0.75f + 0.45f * random.NextSingle();
        var shiftX = (random.NextSingle() - 0.5f) * 0.5f;
        var shiftY = (random.NextSingle() - 0.5f) * 0.5f;
        var brightness = 0.8f + 0.35f * random.NextSingle();
        var tint = new[] { Jitter(random), Jitter(random), Jitter(random) };
        var background = new[] { 0.2f + 0.4f * random.NextSingle(), 0.2f + 0.4f * random.NextSingle(), 0.2f + 0.4f * random.NextSingle() };
        var gradient = (random.NextSingle() - 0.5f) * 0.4f;

        var clutter = new Part[ClutterShapes];
        for (var c = 0; c < clutter.Length; c++)
        {
            clutter[c] = new Part(
                (ShapeKind)random.Next(SyntheticShapes.Count),
                Palette[random.Next(Palette.Length)],
                random.NextSingle() * 2f - 1f,
                random.NextSingle() * 2f - 1f,
                0.08f + 0.1f * random.NextSingle(),
                random.NextSingle() * MathF.PI);
        }

        var (sin, cos) = MathF.SinCos(rotation);
        var plane = imageSize * imageSize;
        var pixel = 2f / imageSize;
        Span<float> colour = stackalloc float[3];
        for (var row = 0; row < imageSize; row++)
        {
            for (var col = 0; col < imageSize; col++)
            {
                // Image coordinates in [-1, 1].
                var x = (col + 0.5f) * pixel - 1f;
                var y = (row + 0.5f) * pixel - 1f;
                for (var ch = 0; ch < 3; ch++)
                {
                    colour[ch] = background[ch] + gradient * y;
                }
                foreach (var part in clutter)
                {
                    Paint(part, x, y, 1f, pixel, colour, brightness: 1f);
                }

                // Into the object's frame: undo the per-image shift, rotation and scale.
                var ox = (x - shiftX) / scale;
                var oy = (y - shiftY) / scale;
                var u = cos * ox + sin * oy;
                var v = -sin * ox + cos * oy;
                foreach (var part in recipe)
                {
                    Paint(part, u, v, scale, pixel, colour, brightness);
                }

                var index = row * imageSize + col;
                for (var ch = 0; ch < 3; ch++)
                {
                    var noisy = colour[ch] * tint[ch] + 0.04f * (random.NextSingle() - 0.5f);
                    pixels[ch * plane + index] = Math.Clamp(noisy, 0f, 1f);
                }
            }
        }
    }

    /// <summary>
    /// Mixes the three numbers into one seed with SplitMix64 steps. HashCode.Combine would not do: .NET
    /// randomises it per process, and the dataset must be the same image for image in every run.
    /// </summary>
    internal static int StableSeed(int a, int b, int c)
    {
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var value in new[] { a, b, c })
        {
            state ^= (uint)value;
            state += 0x9E3779B97F4A7C15UL;
            state = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9UL;
            state = (state ^ (state >> 27)) * 0x94D049BB133111EBUL;
            state ^= state >> 31;
        }
        return (int)(state & int.MaxValue);
    }

    private static float Jitter(Random random) => 0.85f + 0.3f * random.NextSingle();

    private static void Paint(Part part, float x, float y, float frameScale, float pixel, Span<float> colour, float brightness)
    {
        var (sin, cos) = MathF.SinCos(part.Angle);
        var dx = (x - part.X) / part.Size;
        var dy = (y - part.Y) / part.Size;
        var u = cos * dx + sin * dy;
        var v = -sin * dx + cos * dy;
        // Distance in pixels decides coverage, which anti-aliases edges at any scale.
        var distance = SyntheticShapes.Distance(part.Shape, u, v) * part.Size * frameScale / pixel;
        var coverage = Math.Clamp(0.5f - distance, 0f, 1f);
        if (coverage <= 0f)
        {
            return;
        }
        for (var ch = 0; ch < 3; ch++)
        {
            colour[ch] += coverage * (part.Colour[ch] * brightness - colour[ch]);
        }
    }
}
