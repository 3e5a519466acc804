using NirHost.Abstractions;
using NirHost.Imaging;
using static TorchSharp.torch;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// A split of image files. Training batches (with an augmentation source) are decoded in order on the
/// calling thread, so the host's loader parallelises across batches; evaluation batches, which draw no
/// random numbers, are decoded on up to <paramref name="threads"/> threads.
/// </summary>
internal sealed class ImageFileSplit(string name, IReadOnlyList<ClassImages> classes, ImagePipeline pipeline, int threads) : IDataSplit
{
    private readonly string[] _paths = [.. classes.SelectMany(c => c.Paths)];
    private readonly int[] _labels = [.. classes.SelectMany((c, label) => Enumerable.Repeat(label, c.Paths.Count))];

    public string Name { get; } = name;

    public int Count => _paths.Length;

    public IReadOnlyList<int> Labels => _labels;

    public int NumClasses { get; } = classes.Count;

    public IReadOnlyList<ClassImages> Classes { get; } = classes;

    public IReadOnlyList<string>? ClassNames { get; } = [.. classes.Select(c => c.Name)];

    public IReadOnlyList<string>? SamplePaths => _paths;

    public string PathOf(int index) => _paths[index];

    public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
    {
        var picked = indices.ToArray();
        foreach (var index in picked)
        {
            if ((uint)index >= (uint)_paths.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample {index} is outside split '{Name}' ({_paths.Length} samples).");
            }
        }
        var size = pipeline.OutputSize;
        var perImage = pipeline.ValuesPerImage;
        var values = new float[picked.Length * perImage];
        if (augmentation is not null)
        {
            for (var i = 0; i < picked.Length; i++)
            {
                pipeline.Load(_paths[picked[i]], augmentation, values.AsSpan(i * perImage, perImage));
            }
        }
        else
        {
            try
            {
                Parallel.For(0, picked.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    i => pipeline.Load(_paths[picked[i]], null, values.AsSpan(i * perImage, perImage)));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // The first unreadable image, as the sequential path would report it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }
        return tensor(values, [picked.Length, pipeline.Input.Channels, size, size]);
    }

    /// <summary>The evaluation crop with the architecture's normalisation undone, so that colours (and gray) show as stored.</summary>
    public Tensor DisplayImage(int index)
    {
        using var batch = LoadBatch([index], augmentation: null);
        using var image = batch[0];
        return pipeline.Input.ToContract().ToDisplay(image);
    }
}
