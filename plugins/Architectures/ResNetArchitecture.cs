using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// torchvision's ResNet (the network behind pretrainedmodels' resnet18/resnet50) with the original's
/// embedding head. Parameter names are torchvision's (conv1, bn1, layer1.0.conv1, ...), so ImageNet state
/// dicts load as they are.
/// </summary>
public abstract class ResNetArchitecture : BackboneArchitecture, IDeclaresInput
{
    /// <summary>torchvision's ImageNet normalisation of RGB input, which the pretrained weights were trained on.</summary>
    public static InputContract InputFor(ComponentSpec spec) => InputContract.ImageNet;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear last_linear;

    protected ResNetArchitecture(string name, bool bottleneck, int[] blocks, BackboneOptions options, TrainingSetup setup, ComponentSpec spec,
        ILogger logger) : base(name, spec)
    {
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        var channels = 64;
        layer1 = ResNetLayers.Layer(bottleneck, ref channels, 64, blocks[0], 1);
        layer2 = ResNetLayers.Layer(bottleneck, ref channels, 128, blocks[1], 2);
        layer3 = ResNetLayers.Layer(bottleneck, ref channels, 256, blocks[2], 2);
        layer4 = ResNetLayers.Layer(bottleneck, ref channels, 512, blocks[3], 2);
        PooledDim = channels;
        last_linear = nn.Linear(channels, setup.EmbedDim);
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
}

[Architecture("resnet18", Options = typeof(BackboneOptions),
    Description = "ResNet18 (torchvision layout), 512-d pooled features; suffixes _frozen, _normalize, _double.")]
public sealed class ResNet18Architecture(BackboneOptions options, TrainingSetup setup, ComponentSpec spec, ILogger<ResNet18Architecture> logger)
    : ResNetArchitecture("resnet18", bottleneck: false, [2, 2, 2, 2], options, setup, spec, logger);

[Architecture("resnet50", Options = typeof(BackboneOptions),
    Description = "ResNet50 (torchvision layout), 2048-d pooled features; suffixes _frozen, _normalize, _double.")]
public sealed class ResNet50Architecture(BackboneOptions options, TrainingSetup setup, ComponentSpec spec, ILogger<ResNet50Architecture> logger)
    : ResNetArchitecture("resnet50", bottleneck: true, [3, 4, 6, 3], options, setup, spec, logger);
