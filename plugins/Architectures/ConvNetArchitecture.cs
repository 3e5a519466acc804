using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// A small four-stage CNN (conv-BN-ReLU, pooling between stages) sized for 32 px images on a CPU.
/// Follows the original's suffixes: <c>_normalize</c> L2-normalises the embedding, <c>_frozen</c> keeps
/// BatchNorm statistics fixed, <c>_double</c> adds global max pooling to the average pooling; <c>_gray</c> takes
/// one-channel input (Fashion-MNIST as stored).
/// </summary>
[Architecture("convnet", Options = typeof(ConvNetOptions),
    Description = "Small 4-stage CNN for the embedded 32 px dataset (suffixes: _frozen, _normalize, _double, _gray for 1-channel input).")]
public sealed class ConvNetArchitecture : BackboneArchitecture, IDeclaresInput
{
    /// <summary>
    /// Pixels in [0, 1] standardised with mean 0.5 and std 0.25 per channel: the embedded dataset's fixed statistics,
    /// which it has always been trained with; trained from scratch, it has no pretrained statistics to match.
    /// </summary>
    public static InputContract InputFor(ComponentSpec spec) => spec.HasSuffix("gray")
        ? new InputContract(0, 1, [0.5f], [0.25f])
        : new InputContract(0, 3, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);

    private readonly Sequential backbone;
    private readonly Linear last_linear;

    public ConvNetArchitecture(ConvNetOptions options, TrainingSetup setup, ComponentSpec spec) : base("convnet", spec, "gray")
    {
        var w = options.Width;
        backbone = nn.Sequential(
            Stage(InputFor(spec).Channels, w), nn.MaxPool2d(2),
            Stage(w, 2 * w), nn.MaxPool2d(2),
            Stage(2 * w, 4 * w), nn.MaxPool2d(2),
            Stage(4 * w, 4 * w));
        PooledDim = 4 * w;
        last_linear = nn.Linear(PooledDim, setup.EmbedDim);
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> EmbeddingHead => last_linear;

    public override int PooledDim { get; }

    protected override Tensor Features(Tensor input) => backbone.forward(input);

    protected override GraphValue DescribeFeatures(ExportGraph graph, GraphValue input) => graph.Layer(input, backbone);

    private static Sequential Stage(int inChannels, int outChannels) => nn.Sequential(
        nn.Conv2d(inChannels, outChannels, kernel_size: 3, padding: 1, bias: false),
        nn.BatchNorm2d(outChannels),
        nn.ReLU(inplace: true));
}
