using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirPlugin;

/// <summary>
/// An example dataset to start from: generated gray stripe images, one orientation and frequency per class, with
/// noise. The first half of the classes train, the second half test, as the benchmark datasets split them.
/// Replace <see cref="Load"/> with code that reads your data; name the classes so tools can check the splits.
/// The host gives a dataset its data flags (<see cref="DataSettings"/>: --augmentation, --source_path, ...) and the
/// selected architecture's <see cref="InputContract"/>: produce its channel count, normalisation and colour order.
/// </summary>
[Dataset("nirplugin", Options = typeof(NirPluginOptions), Description = "Generated stripe images (template example).")]
public sealed class NirPluginDataset(NirPluginOptions options, DataSettings data, InputContract input) : IDataset
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
        var plane = size * size;
        var count = classCount * options.SamplesPerClass;
        var random = new Random(options.Seed * 7919 + firstClass);
        var pixels = new float[count * input.Channels * plane];
        var labels = new int[count];
        var gray = new float[plane];
        for (var i = 0; i < count; i++)
        {
            var label = i / options.SamplesPerClass;
            labels[i] = label;
            var angle = Math.PI * (firstClass + label) / options.Classes;
            var frequency = 2 + (firstClass + label) % 3;
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var along = (x * Math.Cos(angle) + y * Math.Sin(angle)) / size;
                    var value = 0.5 + 0.35 * Math.Sin(2 * Math.PI * frequency * along + phase) + 0.15 * (random.NextDouble() - 0.5);
                    gray[y * size + x] = (float)Math.Clamp(value, 0, 1);
                }
            }
            // Gray in [0, 1] as the architecture wants it: in each of its channels, normalised per channel.
            for (var c = 0; c < input.Channels; c++)
            {
                var target = pixels.AsSpan((i * input.Channels + input.Position(c)) * plane, plane);
                for (var p = 0; p < plane; p++)
                {
                    target[p] = (gray[p] * input.ValueScale - input.Mean[c]) / input.Std[c];
                }
            }
        }
        var names = Enumerable.Range(firstClass, classCount).Select(c => $"stripes_{c:D3}").ToArray();
        // Flips are this dataset's random transform; --augmentation none asks for none.
        return new StripeSplit(name, tensor(pixels, [count, input.Channels, size, size]), labels, names, input, data.Augmentation != "none");
    }

    private sealed class StripeSplit(string name, Tensor images, int[] labels, string[] classNames, InputContract input, bool flips) : IDataSplit
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
            return flips && augmentation is not null && augmentation.NextDouble() < 0.5 ? batch.flip(3) : batch;
        }

        /// <summary>The image with the normalisation undone, so the retrieval figure shows the stripes as made.</summary>
        public Tensor DisplayImage(int index)
        {
            using var image = images[index];
            return input.ToDisplay(image);
        }
    }
}
