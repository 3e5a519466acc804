using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>torchvision's ResNet basic block (ResNet18/34), with its parameter names.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public BasicBlock(int inChannels, int channels, int stride) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, channels, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(channels);
        downsample = ResNetLayers.Downsample(inChannels, channels * Expansion, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.relu(bn1.forward(conv1.forward(input)));
        output = bn2.forward(conv2.forward(output));
        var identity = downsample is null ? input : downsample.forward(input);
        return nn.functional.relu(output.add_(identity)).MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's ResNet bottleneck block (ResNet50+), stride on the 3x3 convolution (ResNet v1.5), with its parameter names.</summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Sequential? downsample;

    public Bottleneck(int inChannels, int channels, int stride) : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inChannels, channels, 1, bias: false);
        bn1 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(channels);
        conv3 = nn.Conv2d(channels, channels * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(channels * Expansion);
        downsample = ResNetLayers.Downsample(inChannels, channels * Expansion, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.relu(bn1.forward(conv1.forward(input)));
        output = nn.functional.relu(bn2.forward(conv2.forward(output)));
        output = bn3.forward(conv3.forward(output));
        var identity = downsample is null ? input : downsample.forward(input);
        return nn.functional.relu(output.add_(identity)).MoveToOuterDisposeScope();
    }
}

internal static class ResNetLayers
{
    /// <summary>The 1x1 projection of the shortcut when the shape changes (keys downsample.0 and downsample.1).</summary>
    public static Sequential? Downsample(int inChannels, int outChannels, int stride) =>
        stride == 1 && inChannels == outChannels
            ? null
            : nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));

    /// <summary>One stage: <paramref name="blocks"/> blocks, the first with the stride (keys layerN.0, layerN.1, ...).</summary>
    public static Sequential Layer(bool bottleneck, ref int inChannels, int channels, int blocks, int stride)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        for (var i = 0; i < blocks; i++)
        {
            modules.Add(bottleneck
                ? new Bottleneck(inChannels, channels, i == 0 ? stride : 1)
                : new BasicBlock(inChannels, channels, i == 0 ? stride : 1));
            inChannels = channels * (bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
        }
        return nn.Sequential(modules);
    }
}
