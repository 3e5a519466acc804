using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirPlugin;

/// <summary>
/// An example dataset to start from: generated stripe images, one orientation and frequency per class, with
/// noise. The first half of the classes train, the second half test, as the benchmark datasets split them.
/// Replace <see cref="Load"/> with code that reads your data; name the classes so tools can check the splits.
/// </summary>
[Dataset("nirplugin", Options = typeof(NirPluginOptions), Description = "Generated stripe images (template example).")]
public sealed class NirPluginDataset(NirPluginOptions options) : IDataset
{
    public DatasetSplits Load()
    {
        var trainClasses = options.Classes / 2;
        var training = Generate("training", 0, trainClasses);
        return new DatasetSplits(training, Generate("testing", trainClasses, options.Classes - trainClasses), training);
    }

    private StripeSplit Generate(string name, int firstClass, int classCount)
    {
        var size = options.ImageSize;
        var count = classCount * options.SamplesPerClass;
        var random = new Random(options.Seed * 7919 + firstClass);
        var pixels = new float[count * 3 * size * size];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = i / options.SamplesPerClass;
            labels[i] = label;
            var angle = Math.PI * (firstClass + label) / options.Classes;
            var frequency = 2 + (firstClass + label) % 3;
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < size; y++)
                {
                    for (var x = 0; x < size; x++)
                    {
                        var along = (x * Math.Cos(angle) + y * Math.Sin(angle)) / size;
                        pixels[((i * 3 + c) * size + y) * size + x] =
                            (float)(Math.Sin(2 * Math.PI * frequency * along + phase) + 0.3 * (random.NextDouble() - 0.5));
                    }
                }
            }
        }
        var names = Enumerable.Range(firstClass, classCount).Select(c => $"stripes_{c:D3}").ToArray();
        return new StripeSplit(name, tensor(pixels, [count, 3, size, size]), labels, names);
    }

    private sealed class StripeSplit(string name, Tensor images, int[] labels, string[] classNames) : IDataSplit
    {
        public string Name => name;

        public int Count => labels.Length;

        public IReadOnlyList<int> Labels => labels;

        public int NumClasses => classNames.Length;

        public IReadOnlyList<string> ClassNames => classNames;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
        {
            var rows = new long[indices.Length];
            for (var i = 0; i < indices.Length; i++)
            {
                rows[i] = indices[i];
            }
            var batch = images.index_select(0, tensor(rows));
            // Training batches are augmented; a horizontal flip keeps each class's stripes recognisable.
            return augmentation is not null && augmentation.NextDouble() < 0.5 ? batch.flip(3) : batch;
        }
    }
}
