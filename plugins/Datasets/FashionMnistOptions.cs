using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>Flags of <c>--dataset fashion_mnist</c> beyond the host's data flags (<see cref="DataSettings"/>).</summary>
public sealed class FashionMnistOptions
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DebianPath = "/usr/share/datasets/fashion-mnist";

    [Flag("fashion_mnist_path", Help = "Folder with the Fashion-MNIST IDX files (gzipped or not); the default is where Debian's " +
        "dataset-fashion-mnist installs them, and <source_path>/fashion_mnist where that folder does not exist (other systems).")]
    public string Path { get; set; } = DebianPath;
}
