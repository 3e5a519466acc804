using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// A split whose images are all held in one float32 tensor, already as the architecture's <paramref name="input"/> asks.
/// With <paramref name="flips"/> training batches get random horizontal flips, as the original's base augmentation does.
/// </summary>
internal sealed class InMemoryImageSplit(string name, Tensor images, int[] labels, int numClasses, InputContract input, bool flips,
    IReadOnlyList<string>? classNames = null) : IDataSplit
{
    public IReadOnlyList<string>? ClassNames { get; } = classNames;

    public string Name { get; } = name;

    public int Count => labels.Length;

    public IReadOnlyList<int> Labels { get; } = labels;

    public int NumClasses { get; } = numClasses;

    public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
    {
        var picked = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)labels.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample {indices[i]} is outside split '{Name}' ({labels.Length} samples).");
            }
            picked[i] = indices[i];
        }
        using var scope = NewDisposeScope();
        var batch = images.index_select(0, tensor(picked));
        if (flips && augmentation is not null)
        {
            var flips = new long[indices.Length];
            var count = 0;
            for (var i = 0; i < indices.Length; i++)
            {
                if (augmentation.NextDouble() < 0.5)
                {
                    flips[count++] = i;
                }
            }
            if (count > 0)
            {
                var rows = tensor(flips.AsSpan(0, count).ToArray());
                batch.index_copy_(0, rows, batch.index_select(0, rows).flip(3));
            }
        }
        return batch.MoveToOuterDisposeScope();
    }

    /// <summary>The image with the input normalisation undone, in [0, 1].</summary>
    public Tensor DisplayImage(int index)
    {
        using var image = images[index];
        return input.ToDisplay(image);
    }
}
