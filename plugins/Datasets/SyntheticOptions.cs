using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>Flags of the embedded, procedurally generated dataset (<c>--dataset synthetic</c>).</summary>
public sealed class SyntheticOptions
{
    [Flag("synthetic_classes", Help = "Number of classes; the first half trains, the second half tests (as CUB200).", Min = 4, Max = 10000)]
    public int Classes { get; set; } = 100;

    [Flag("synthetic_samples_per_class", Help = "Images generated per class.", Min = 2, Max = 10000)]
    public int SamplesPerClass { get; set; } = 40;

    [Flag("synthetic_image_size", Help = "Side of the square images in pixels.", Min = 16, Max = 256)]
    public int ImageSize { get; set; } = 32;

    [Flag("synthetic_seed", Help = "Seed that defines the dataset itself, independent of --seed.")]
    public int Seed { get; set; } = 0;
}
