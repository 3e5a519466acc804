using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>Flags of <c>--dataset fashion_mnist</c>; the train/validation flags are the original's, shared with the host.</summary>
public sealed class FashionMnistOptions
{
    [Flag("fashion_mnist_path", Help = "Folder with the Fashion-MNIST IDX files (gzipped or not); the default is where Debian's dataset-fashion-mnist installs them.")]
    public string Path { get; set; } = "/usr/share/datasets/fashion-mnist";

    [Flag("use_tv_split", Help = "Split the training set into training and validation following --tv_split_perc.")]
    public bool UseTvSplit { get; set; }

    [Flag("tv_split_by_samples", Help = "Split training/validation within each class instead of between classes.")]
    public bool TvSplitBySamples { get; set; }

    [Flag("tv_split_perc", Help = "Fraction of the training set kept for training when splitting off validation.", Min = 0, Max = 1)]
    public double TvSplitPerc { get; set; }
}
