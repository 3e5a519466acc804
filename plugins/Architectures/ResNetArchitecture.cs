using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// torchvision's ResNet (the network behind pretrainedmodels' resnet18/resnet50) with the original's
/// embedding head. Parameter names are torchvision's (conv1, bn1, layer1.0.conv1, ...), so ImageNet state
/// dicts load as they are.
/// </summary>
/// <remarks>
/// The stages are the TorchVision package's own (<c>torchvision.models.resnet18/50</c>). Its network as a whole cannot serve:
/// its forward runs through average pooling into <c>fc</c>, while the original's wrapper needs the last feature map
/// (<c>--loss_s2sd_pool_aggr</c>, <c>_double</c>'s max pooling) and names its head <c>last_linear</c>, the key checkpoints keep.
/// So this class registers the library network's stem and stages under torchvision's names, runs them itself, and leaves the
/// library's <c>fc</c> out; <c>_frozen</c> works on the stages' BatchNorm2d modules as on any other.
/// </remarks>
public abstract class ResNetArchitecture : BackboneArchitecture, IDeclaresInput
{
    /// <summary>torchvision's ImageNet normalisation of RGB input, which the pretrained weights were trained on.</summary>
    public static InputContract InputFor(ComponentSpec spec) => InputContract.ImageNet;

    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly nn.Module<Tensor, Tensor> maxpool;
    private readonly nn.Module<Tensor, Tensor> layer1;
    private readonly nn.Module<Tensor, Tensor> layer2;
    private readonly nn.Module<Tensor, Tensor> layer3;
    private readonly nn.Module<Tensor, Tensor> layer4;
    private readonly Linear last_linear;

    protected ResNetArchitecture(string name, Func<TorchSharp.Modules.ResNet> library, int pooledDim, BackboneOptions options, TrainingSetup setup,
        ComponentSpec spec, ILogger logger) : base(name, spec)
    {
        // The library network is a shell around the modules taken from it: what is not taken (fc, its pooling) is freed at
        // once, the shell itself is left to the finalizer, since its Dispose would dispose the stages too.
        var network = library();
        var stages = network.named_children().ToDictionary(child => child.name, child => (nn.Module<Tensor, Tensor>)child.module, StringComparer.Ordinal);
        foreach (var (childName, child) in stages)
        {
            if (childName is not ("conv1" or "bn1" or "maxpool" or "layer1" or "layer2" or "layer3" or "layer4"))
            {
                child.Dispose();
            }
        }
        conv1 = stages["conv1"];
        bn1 = stages["bn1"];
        maxpool = stages["maxpool"];
        layer1 = stages["layer1"];
        layer2 = stages["layer2"];
        layer3 = stages["layer3"];
        layer4 = stages["layer4"];
        PooledDim = pooledDim;
        last_linear = nn.Linear(pooledDim, setup.EmbedDim);
        // Registered by hand: the fields live in this base class, which reflection over the component type would skip.
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("maxpool", maxpool);
        register_module("layer1", layer1);
        register_module("layer2", layer2);
        register_module("layer3", layer3);
        register_module("layer4", layer4);
        register_module("last_linear", last_linear);
        InitialiseFromScratch();
        Initialise(options, logger, spec.FullName);
    }

    public override nn.Module<Tensor, Tensor> EmbeddingHead => last_linear;

    public override int PooledDim { get; }

    protected override Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.forward(nn.functional.relu(bn1.forward(conv1.forward(input))));
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    protected override GraphValue DescribeFeatures(ExportGraph graph, GraphValue input)
    {
        var x = graph.Layer(graph.Relu(graph.Layer(graph.Layer(input, conv1), bn1)), maxpool);
        foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
        {
            x = stage.children().Aggregate(x, (value, block) => DescribeBlock(graph, value, block));
        }
        return x;
    }

    /// <summary>
    /// A torchvision residual block, basic (conv1-2) or bottleneck (conv1-3): each convolution with its BatchNorm, ReLU
    /// between them, the shortcut (downsample, when the block has one) added, and a last ReLU.
    /// </summary>
    private static GraphValue DescribeBlock(ExportGraph graph, GraphValue input, nn.Module block)
    {
        var parts = block.named_children().ToDictionary(child => child.name, child => child.module, StringComparer.Ordinal);
        var x = input;
        for (var i = 1; parts.TryGetValue($"conv{i}", out var conv); i++)
        {
            x = graph.Layer(graph.Layer(x, conv), parts[$"bn{i}"]);
            if (parts.ContainsKey($"conv{i + 1}"))
            {
                x = graph.Relu(x);
            }
        }
        var shortcut = parts.TryGetValue("downsample", out var downsample) ? graph.Layer(input, downsample) : input;
        return graph.Relu(graph.Add(x, shortcut));
    }
}

[Architecture("resnet18", Options = typeof(BackboneOptions),
    Description = "ResNet18 (torchvision layout), 512-d pooled features; suffixes _frozen, _normalize, _double.")]
public sealed class ResNet18Architecture(BackboneOptions options, TrainingSetup setup, ComponentSpec spec, ILogger<ResNet18Architecture> logger)
    : ResNetArchitecture("resnet18", () => torchvision.models.resnet18(), 512, options, setup, spec, logger);

[Architecture("resnet50", Options = typeof(BackboneOptions),
    Description = "ResNet50 (torchvision layout), 2048-d pooled features; suffixes _frozen, _normalize, _double.")]
public sealed class ResNet50Architecture(BackboneOptions options, TrainingSetup setup, ComponentSpec spec, ILogger<ResNet50Architecture> logger)
    : ResNetArchitecture("resnet50", () => torchvision.models.resnet50(), 2048, options, setup, spec, logger);
