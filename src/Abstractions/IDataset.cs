using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>One split of a dataset: samples with class labels, loaded in batches.</summary>
public interface IDataSplit
{
    string Name { get; }

    int Count { get; }

    /// <summary>Class of each sample, renumbered 0..classes-1 within the split.</summary>
    IReadOnlyList<int> Labels { get; }

    int NumClasses { get; }

    /// <summary>
    /// A stable name for each class, indexed by label (folder names, say), so that tools can tell classes of
    /// different splits apart; null when the split does not name them.
    /// </summary>
    IReadOnlyList<string>? ClassNames => null;

    /// <summary>
    /// Where each sample came from (its image file), indexed like <see cref="Labels"/>, so that embeddings and search
    /// results can name their images; null when samples have no path (generated data).
    /// </summary>
    IReadOnlyList<string>? SamplePaths => null;

    /// <summary>
    /// The samples at <paramref name="indices"/> as a float32 [B, C, H, W] tensor on the CPU, as the architecture's
    /// <see cref="InputContract"/> asks (channels, colour order, normalisation). With an <paramref name="augmentation"/>
    /// source the training transform is applied (none with <c>--augmentation none</c>), without it the evaluation one.
    /// The host's loader calls it from several threads at once (one batch each, <c>--kernels</c> of them).
    /// </summary>
    Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation);

    /// <summary>
    /// The sample at <paramref name="index"/> for display (the sample retrieval figure): float32 [C, H, W], C 1 or 3
    /// (RGB), values in [0, 1]. Image datasets return the image as stored or undo their normalisation
    /// (<see cref="InputContract.ToDisplay"/>); by default the evaluation transform's output is stretched to [0, 1].
    /// </summary>
    Tensor DisplayImage(int index)
    {
        using var batch = LoadBatch([index], augmentation: null);
        var image = batch[0].to(ScalarType.Float32);
        var low = image.min();
        var range = image.max().sub(low).clamp_min(1e-12);
        return image.sub(low).div(range);
    }
}

/// <summary>The splits a dataset provides, as in the original's <c>datasets.select</c>.</summary>
public sealed record DatasetSplits(IDataSplit Training, IDataSplit Testing, IDataSplit Evaluation)
{
    /// <summary>Present with <c>--use_tv_split</c>.</summary>
    public IDataSplit? Validation { get; init; }

    /// <summary>
    /// Queries of a dataset evaluated as retrieval is used (In-Shop's query split): each is searched against
    /// <see cref="Gallery"/>, never against the other queries. Set together with <see cref="Gallery"/>; their labels are
    /// numbered alike (the same class has the same label in both), and <see cref="Testing"/> then holds both (query
    /// samples first), for tools that know no query/gallery evaluation. The trainer's test evaluation becomes the
    /// queries searched against the gallery.
    /// </summary>
    public IDataSplit? Query { get; init; }

    /// <summary>What <see cref="Query"/> samples are searched against; see there.</summary>
    public IDataSplit? Gallery { get; init; }

    /// <summary>True when the dataset provides <see cref="Query"/> and <see cref="Gallery"/>.</summary>
    public bool HasQueryGallery => Query is not null && Gallery is not null;
}

/// <summary>A dataset component: reads or generates its data and splits it.</summary>
public interface IDataset
{
    DatasetSplits Load();
}
