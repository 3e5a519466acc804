using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirPlugin;

/// <summary>
/// An example architecture to start from: two convolution stages, global average pooling and a linear
/// embedding head (<c>last_linear</c>, as the original names it). Honours the <c>_normalize</c> suffix
/// (<c>--arch nirplugin_normalize</c>) and keeps the backbone out of training during warm-up. Opts into
/// <c>nirhost export --onnx</c> by describing the same network with the exporter's building blocks
/// (<see cref="IExportableArchitecture"/>); the conformance kit checks that the description computes what Forward does.
/// </summary>
[Architecture("nirplugin", Options = typeof(NirPluginOptions), Description = "Two conv stages and a linear head (template example).")]
public sealed class NirPluginArchitecture : Architecture, IDeclaresInput, IExportableArchitecture
{
    /// <summary>
    /// The input the datasets produce for this network, declared on the type because datasets are built before it:
    /// here torchvision's ImageNet normalisation of RGB, at any size. A gray network would declare one channel.
    /// </summary>
    public static InputContract InputFor(ComponentSpec spec) => InputContract.ImageNet;

    private readonly Sequential backbone;
    private readonly Linear last_linear;
    private readonly bool _normalize;

    public NirPluginArchitecture(NirPluginOptions options, TrainingSetup setup, ComponentSpec spec) : base("nirplugin")
    {
        var unknown = spec.Suffixes.Except(["normalize"]).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--arch {spec.FullName}: unknown suffix '{unknown[0]}' (known: _normalize).");
        }
        _normalize = spec.HasSuffix("normalize");
        var width = options.Width;
        backbone = nn.Sequential(
            nn.Conv2d(InputFor(spec).Channels, width, 3, padding: 1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding: 1), nn.BatchNorm2d(2 * width), nn.ReLU());
        PooledDim = 2 * width;
        last_linear = nn.Linear(PooledDim, setup.EmbedDim);
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> EmbeddingHead => last_linear;

    public override int PooledDim { get; }

    public override ArchitectureOutput Forward(Tensor input, bool warmup)
    {
        Tensor pooled;
        if (warmup)
        {
            using (no_grad())
            {
                pooled = backbone.call(input).mean([2, 3]);
            }
        }
        else
        {
            pooled = backbone.call(input).mean([2, 3]);
        }
        var embeddings = last_linear.call(pooled);
        return new ArchitectureOutput(_normalize ? nn.functional.normalize(embeddings, dim: 1) : embeddings, pooled);
    }

    /// <summary>
    /// Forward in eval mode as the exporter's building blocks: <see cref="ExportGraph.Layer"/> reads plain TorchSharp layers
    /// (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear, Sequential); anything else is described block by block (Conv, BatchNorm,
    /// Relu, MaxPool, AvgPool, GlobalAveragePool, GlobalMaxPool, Add, Concat, Linear, L2Normalize).
    /// </summary>
    public void DescribeGraph(ExportGraph graph)
    {
        var pooled = graph.GlobalAveragePool(graph.Layer(graph.Input, backbone));
        var embeddings = graph.Linear(pooled, last_linear);
        graph.SetOutputs(_normalize ? graph.L2Normalize(embeddings) : embeddings, pooled);
    }
}
