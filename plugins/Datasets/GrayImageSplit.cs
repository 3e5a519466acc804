using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// A split of small 8-bit grayscale images held in memory (Fashion-MNIST). Batches replicate the gray
/// channel to RGB and normalise for the architecture; training batches are flipped horizontally at random.
/// </summary>
internal sealed class GrayImageSplit : IDataSplit
{
    private readonly byte[] _pixels;
    private readonly int[] _images;
    private readonly int[] _labels;
    private readonly int _side;
    private readonly ImageNormalization _normalization;

    /// <param name="classes">Per class, the indices of its images in <paramref name="pixels"/>.</param>
    /// <param name="classNames">The dataset's name of each class, so tools can tell the classes of different splits apart.</param>
    public GrayImageSplit(string name, byte[] pixels, int side, IReadOnlyList<IReadOnlyList<int>> classes, ImageNormalization normalization,
        IReadOnlyList<string>? classNames = null)
    {
        ClassNames = classNames;
        Name = name;
        _pixels = pixels;
        _side = side;
        _normalization = normalization;
        _images = [.. classes.SelectMany(c => c)];
        _labels = [.. classes.SelectMany((c, label) => Enumerable.Repeat(label, c.Count))];
        NumClasses = classes.Count;
    }

    public string Name { get; }

    public int Count => _images.Length;

    public IReadOnlyList<int> Labels => _labels;

    public int NumClasses { get; }

    public IReadOnlyList<string>? ClassNames { get; }

    public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
    {
        var plane = _side * _side;
        var values = new float[indices.Length * 3 * plane];
        for (var i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)_images.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample {indices[i]} is outside split '{Name}' ({_images.Length} samples).");
            }
            var flip = augmentation is not null && augmentation.NextDouble() < 0.5;
            var source = _pixels.AsSpan(_images[indices[i]] * plane, plane);
            for (var c = 0; c < 3; c++)
            {
                var scale = 1f / (255f * _normalization.Std[c]);
                var shift = -_normalization.Mean[c] / _normalization.Std[c];
                var target = values.AsSpan((i * 3 + (_normalization.Bgr ? 2 - c : c)) * plane, plane);
                for (var y = 0; y < _side; y++)
                {
                    for (var x = 0; x < _side; x++)
                    {
                        target[y * _side + (flip ? _side - 1 - x : x)] = source[y * _side + x] * scale + shift;
                    }
                }
            }
        }
        return tensor(values, [indices.Length, 3, _side, _side]);
    }
}
