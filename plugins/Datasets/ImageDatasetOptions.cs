using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// Flags of the image-folder benchmarks (cub200, cars196, online_products). The first six are the
/// original's own flags, shared with the host under the same names and defaults.
/// </summary>
public sealed class ImageDatasetOptions
{
    [Flag("source_path", Help = "Folder holding the datasets; <source_path>/<dataset> is read.")]
    public string SourcePath { get; set; } = Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "../../Datasets"));

    [Flag("use_tv_split", Help = "Split the training set into training and validation following --tv_split_perc.")]
    public bool UseTvSplit { get; set; }

    [Flag("tv_split_by_samples", Help = "Split training/validation within each class instead of between classes.")]
    public bool TvSplitBySamples { get; set; }

    [Flag("tv_split_perc", Help = "Fraction of the training set kept for training when splitting off validation.", Min = 0, Max = 1)]
    public double TvSplitPerc { get; set; }

    [Flag("augmentation", Help = "Training augmentation variant (base, adv, red, big).", Choices = ["base", "adv", "red", "big"])]
    public string Augmentation { get; set; } = "base";

    [Flag("kernels", Help = "Worker threads for data loading.", Min = 1, Max = 1024)]
    public int Kernels { get; set; } = 6;

    [Flag("skip_unreadable_images", Help = "Leave out images that cannot be read or decoded (reporting how many) instead of stopping with an error.")]
    public bool SkipUnreadableImages { get; set; }

    [Flag("crop_size", Help = "Side of the network input crops (the original's 224); evaluation resizes the shorter side to crop_size * 256 / 224 first.",
        Min = 8, Max = 4096)]
    public int CropSize { get; set; } = 224;
}
