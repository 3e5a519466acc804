using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin dataset; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("nirplugin_classes", Help = "Number of classes; the first half trains, the second half tests.", Min = 4, Max = 1000)]
    public int Classes { get; set; } = 20;

    [Flag("nirplugin_samples_per_class", Help = "Images generated per class.", Min = 2, Max = 10000)]
    public int SamplesPerClass { get; set; } = 20;

    [Flag("nirplugin_image_size", Help = "Side of the square images in pixels.", Min = 8, Max = 256)]
    public int ImageSize { get; set; } = 32;

    [Flag("nirplugin_seed", Help = "Seed of the generated images.")]
    public int Seed { get; set; }
}
