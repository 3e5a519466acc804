using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>Dataset and split flags of the original's <c>basic_training_parameters</c>.</summary>
public sealed class DataOptions
{
    [Flag("dataset", Help = "Dataset to use (a Datasets component).")]
    public string Dataset { get; set; } = "cub200";

    [Flag("source_path", Help = "Folder holding the datasets; <source_path>/<dataset> is read. For --dataset folder it is your data itself: " +
        "the folder with one sub-folder per class, or a CSV file listing the images (see the README).")]
    public string SourcePath { get; set; } = Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "../../Datasets"));

    [Flag("use_tv_split", Help = "Split the training set into training and validation following --tv_split_perc.")]
    public bool UseTvSplit { get; set; }

    [Flag("tv_split_by_samples", Help = "Split training/validation within each class instead of between classes.")]
    public bool TvSplitBySamples { get; set; }

    [Flag("tv_split_perc", Help = "Fraction of the training set kept for training when splitting off validation.", Min = 0, Max = 1)]
    public double TvSplitPerc { get; set; }

    [Flag("augmentation", Help = "Training augmentation variant (base, adv, red, big), or none: training batches as evaluation batches, no random transform.",
        Choices = ["base", "adv", "red", "big", "none"])]
    public string Augmentation { get; set; } = "base";

    [Flag("kernels", Help = "Worker threads for data loading.", Min = 1, Max = 1024)]
    public int Kernels { get; set; } = 6;

    /// <summary>These flags as datasets receive them.</summary>
    public DataSettings Settings() => new()
    {
        SourcePath = SourcePath,
        UseTvSplit = UseTvSplit,
        TvSplitBySamples = TvSplitBySamples,
        TvSplitPerc = TvSplitPerc,
        Augmentation = Augmentation,
        Kernels = Kernels,
    };
}
