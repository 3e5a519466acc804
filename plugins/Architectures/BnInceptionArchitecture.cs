using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// BN-Inception as pretrainedmodels defines it (the original's <c>bninception</c>), with its parameter names
/// (<c>conv1_7x7_s2</c>, <c>inception_3a_1x1_bn</c>, ...), so its ImageNet state dict loads as it is. Expects the
/// BGR, 0-255 input the datasets produce for it; 1024-d pooled features.
/// </summary>
[Architecture("bninception", Options = typeof(BackboneOptions),
    Description = "BN-Inception (pretrainedmodels layout, BGR 0-255 input), 1024-d pooled features; suffixes _frozen, _normalize, _double.")]
public sealed class BnInceptionArchitecture : BackboneArchitecture, IDeclaresInput
{
    /// <summary>The original's BN-Inception input, whatever the suffixes.</summary>
    public static InputContract InputFor(ComponentSpec spec) => InputContract.BnInception;

    /// <summary>Branch widths of a full inception block: 1x1, 3x3 reduce/out, double 3x3 reduce/out, pool projection; 0 for absent.</summary>
    private sealed record Block(string Name, int In, int OneByOne, int Reduce, int Out, int DoubleReduce, int DoubleOut, int PoolProjection,
        bool Reduction, bool MaxPoolBranch);

    private static readonly Block[] Blocks =
    [
        new("3a", 192, 64, 64, 64, 64, 96, 32, false, false),
        new("3b", 256, 64, 64, 96, 64, 96, 64, false, false),
        new("3c", 320, 0, 128, 160, 64, 96, 0, true, true),
        new("4a", 576, 224, 64, 96, 96, 128, 128, false, false),
        new("4b", 576, 192, 96, 128, 96, 128, 128, false, false),
        new("4c", 576, 160, 128, 160, 128, 160, 128, false, false),
        new("4d", 608, 96, 128, 192, 160, 192, 128, false, false),
        new("4e", 608, 0, 128, 192, 192, 256, 0, true, true),
        new("5a", 1056, 352, 192, 320, 160, 224, 128, false, false),
        new("5b", 1024, 352, 192, 320, 192, 224, 128, false, true),
    ];

    private readonly Dictionary<string, Conv2d> _convs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchNorm2d> _norms = new(StringComparer.Ordinal);
    private readonly Linear _lastLinear;

    public BnInceptionArchitecture(BackboneOptions options, TrainingSetup setup, ComponentSpec spec, ILogger<BnInceptionArchitecture> logger)
        : base("bninception", spec)
    {
        ConvBn("conv1_7x7_s2", 3, 64, 7, 2, 3);
        ConvBn("conv2_3x3_reduce", 64, 64, 1, 1, 0);
        ConvBn("conv2_3x3", 64, 192, 3, 1, 1);
        foreach (var block in Blocks)
        {
            var prefix = $"inception_{block.Name}_";
            if (block.OneByOne > 0)
            {
                ConvBn(prefix + "1x1", block.In, block.OneByOne, 1, 1, 0);
            }
            var stride = block.Reduction ? 2 : 1;
            ConvBn(prefix + "3x3_reduce", block.In, block.Reduce, 1, 1, 0);
            ConvBn(prefix + "3x3", block.Reduce, block.Out, 3, stride, 1);
            ConvBn(prefix + "double_3x3_reduce", block.In, block.DoubleReduce, 1, 1, 0);
            ConvBn(prefix + "double_3x3_1", block.DoubleReduce, block.DoubleOut, 3, 1, 1);
            ConvBn(prefix + "double_3x3_2", block.DoubleOut, block.DoubleOut, 3, stride, 1);
            if (block.PoolProjection > 0)
            {
                ConvBn(prefix + "pool_proj", block.In, block.PoolProjection, 1, 1, 0);
            }
        }
        PooledDim = 1024;
        _lastLinear = nn.Linear(PooledDim, setup.EmbedDim);
        register_module("last_linear", _lastLinear);
        InitialiseFromScratch();
        Initialise(options, logger, spec.FullName);
    }

    public override nn.Module<Tensor, Tensor> EmbeddingHead => _lastLinear;

    public override int PooledDim { get; }

    /// <summary>
    /// A biased convolution with its BatchNorm, registered under the pretrained names. pretrainedmodels builds its BatchNorms with
    /// PyTorch's defaults (eps 1e-5, momentum 0.1: running = 0.9 running + 0.1 batch), which is what TorchSharp's momentum means too.
    /// </summary>
    private void ConvBn(string name, int inChannels, int outChannels, int kernel, int stride, int padding)
    {
        var conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding);
        var norm = nn.BatchNorm2d(outChannels, eps: 1e-5, momentum: 0.1);
        _convs[name] = conv;
        _norms[name] = norm;
        register_module(name, conv);
        register_module(name + "_bn", norm);
    }

    private Tensor Unit(string name, Tensor input) => nn.functional.relu(_norms[name].forward(_convs[name].forward(input)));

    protected override Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = Unit("conv1_7x7_s2", input);
        x = nn.functional.max_pool2d(x, 3, stride: 2, ceil_mode: true);
        x = Unit("conv2_3x3", Unit("conv2_3x3_reduce", x));
        x = nn.functional.max_pool2d(x, 3, stride: 2, ceil_mode: true);
        foreach (var block in Blocks)
        {
            var prefix = $"inception_{block.Name}_";
            var branches = new List<Tensor>();
            if (block.OneByOne > 0)
            {
                branches.Add(Unit(prefix + "1x1", x));
            }
            branches.Add(Unit(prefix + "3x3", Unit(prefix + "3x3_reduce", x)));
            branches.Add(Unit(prefix + "double_3x3_2", Unit(prefix + "double_3x3_1", Unit(prefix + "double_3x3_reduce", x))));
            if (block.Reduction)
            {
                branches.Add(nn.functional.max_pool2d(x, 3, stride: 2, ceil_mode: true));
            }
            else
            {
                var pooled = block.MaxPoolBranch
                    ? nn.functional.max_pool2d(x, 3, stride: 1, padding: 1, ceil_mode: true)
                    : nn.functional.avg_pool2d(x, 3, stride: 1, padding: 1, ceil_mode: true, count_include_pad: true);
                branches.Add(Unit(prefix + "pool_proj", pooled));
            }
            x = cat(branches, 1);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Features"/> as the exporter's building blocks; the pooling settings are the same.</summary>
    protected override GraphValue DescribeFeatures(ExportGraph graph, GraphValue input)
    {
        GraphValue Unit(string name, GraphValue value) => graph.Relu(graph.BatchNorm(graph.Conv(value, _convs[name]), _norms[name]));
        var x = Unit("conv1_7x7_s2", input);
        x = graph.MaxPool(x, 3, 2, ceilMode: true);
        x = Unit("conv2_3x3", Unit("conv2_3x3_reduce", x));
        x = graph.MaxPool(x, 3, 2, ceilMode: true);
        foreach (var block in Blocks)
        {
            var prefix = $"inception_{block.Name}_";
            var branches = new List<GraphValue>();
            if (block.OneByOne > 0)
            {
                branches.Add(Unit(prefix + "1x1", x));
            }
            branches.Add(Unit(prefix + "3x3", Unit(prefix + "3x3_reduce", x)));
            branches.Add(Unit(prefix + "double_3x3_2", Unit(prefix + "double_3x3_1", Unit(prefix + "double_3x3_reduce", x))));
            if (block.Reduction)
            {
                branches.Add(graph.MaxPool(x, 3, 2, ceilMode: true));
            }
            else
            {
                var pooled = block.MaxPoolBranch
                    ? graph.MaxPool(x, 3, 1, padding: 1, ceilMode: true)
                    : graph.AvgPool(x, 3, 1, padding: 1, ceilMode: true, countIncludePad: true);
                branches.Add(Unit(prefix + "pool_proj", pooled));
            }
            x = graph.Concat(branches);
        }
        return x;
    }
}
