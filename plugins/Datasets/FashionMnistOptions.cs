using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>Flags of <c>--dataset fashion_mnist</c> beyond the host's data flags (<see cref="DataSettings"/>).</summary>
public sealed class FashionMnistOptions
{
    [Flag("fashion_mnist_path", Help = "Folder with the Fashion-MNIST IDX files (gzipped or not); the default is where Debian's dataset-fashion-mnist installs them.")]
    public string Path { get; set; } = "/usr/share/datasets/fashion-mnist";
}
