using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// A split of small 8-bit grayscale images held in memory (Fashion-MNIST). Batches are the stored pixels under the
/// architecture's <see cref="InputContract"/>: one channel, or the gray value in each of three channels, each normalised
/// with its own mean and std. With <paramref name="flips"/> (any <c>--augmentation</c> but none) training batches are
/// flipped horizontally at random, the one augmentation that suits 28 px images.
/// </summary>
internal sealed class GrayImageSplit : IDataSplit
{
    private readonly byte[] _pixels;
    private readonly int[] _images;
    private readonly int[] _labels;
    private readonly int _side;
    private readonly InputContract _input;
    private readonly bool _flips;

    /// <param name="classes">Per class, the indices of its images in <paramref name="pixels"/>.</param>
    /// <param name="classNames">The dataset's name of each class, so tools can tell the classes of different splits apart.</param>
    public GrayImageSplit(string name, byte[] pixels, int side, IReadOnlyList<IReadOnlyList<int>> classes, InputContract input, bool flips,
        IReadOnlyList<string>? classNames = null)
    {
        ClassNames = classNames;
        Name = name;
        _pixels = pixels;
        _side = side;
        _input = input;
        _flips = flips;
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
        var channels = _input.Channels;
        var values = new float[indices.Length * channels * plane];
        for (var i = 0; i < indices.Length; i++)
        {
            var source = Stored(indices[i]);
            var flip = _flips && augmentation is not null && augmentation.NextDouble() < 0.5;
            for (var c = 0; c < channels; c++)
            {
                var scale = _input.PixelScale(c);
                var shift = _input.PixelShift(c);
                var target = values.AsSpan((i * channels + _input.Position(c)) * plane, plane);
                for (var y = 0; y < _side; y++)
                {
                    for (var x = 0; x < _side; x++)
                    {
                        target[y * _side + (flip ? _side - 1 - x : x)] = source[y * _side + x] * scale + shift;
                    }
                }
            }
        }
        return tensor(values, [indices.Length, channels, _side, _side]);
    }

    /// <summary>The image as stored, one gray channel in [0, 1].</summary>
    public Tensor DisplayImage(int index)
    {
        var source = Stored(index);
        var values = new float[source.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = source[i] / 255f;
        }
        return tensor(values, [1, _side, _side]);
    }

    private ReadOnlySpan<byte> Stored(int index)
    {
        if ((uint)index >= (uint)_images.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Sample {index} is outside split '{Name}' ({_images.Length} samples).");
        }
        var plane = _side * _side;
        return _pixels.AsSpan(_images[index] * plane, plane);
    }
}
