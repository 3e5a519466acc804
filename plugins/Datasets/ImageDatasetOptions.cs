using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Flags of the image-folder benchmarks (cub200, cars196, online_products, inshop) beyond the host's data flags
/// (<see cref="DataSettings"/>). Not sealed: a dataset with flags of its own (<see cref="FolderDatasetOptions"/>)
/// extends it, so that the image flags stay one declaration.
/// </summary>
public class ImageDatasetOptions
{
    [Flag("skip_unreadable_images", Help = "Leave out images that cannot be read or decoded (reporting how many) instead of stopping with an error.")]
    public bool SkipUnreadableImages { get; set; }

    [Flag("crop_size", Help = "Side of the network input crops (the original's 224); evaluation resizes the shorter side to crop_size * 256 / 224 first.",
        Min = 8, Max = 4096)]
    public int CropSize { get; set; } = 224;

    [Flag("fast_eval_decoding", Help = "Decode evaluation JPEGs at libjpeg's reduced scales (1/2 to 1/8) where that keeps the output's " +
        "resolution, as training images are: faster on large images, but further from the original's full-size decoding than " +
        "re-encoding the JPEG at quality 95 (see the README).")]
    public bool FastEvalDecoding { get; set; }
}
