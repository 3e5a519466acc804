using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// What the original's ImageNet networks (and the small convnet) share: a feature extractor, global average pooling (plus max
/// pooling with <c>_double</c>), a new <c>last_linear</c> layer to <c>--embed_dim</c>, L2-normalised output with
/// <c>_normalize</c>, BatchNorm layers kept in eval mode with <c>_frozen</c>, no backbone gradients during warm-up,
/// and weights from <c>--pretrained_weights</c>.
/// </summary>
public abstract class BackboneArchitecture : Architecture, IExportableArchitecture
{
    private readonly bool _normalize;
    private readonly bool _frozen;
    private readonly bool _doublePool;

    /// <param name="ownSuffixes">Suffixes the subclass reads itself, besides the shared ones.</param>
    protected BackboneArchitecture(string name, ComponentSpec spec, params string[] ownSuffixes) : base(name)
    {
        string[] known = ["frozen", "normalize", "double", .. ownSuffixes];
        var unknown = spec.Suffixes.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--arch {spec.FullName}: unknown suffix '{unknown[0]}' (known: {string.Join(", ", known.Select(k => "_" + k))}).");
        }
        _normalize = spec.HasSuffix("normalize");
        _frozen = spec.HasSuffix("frozen");
        _doublePool = spec.HasSuffix("double");
    }

    /// <summary>The backbone's last feature map, [B, PooledDim, h, w].</summary>
    protected abstract Tensor Features(Tensor input);

    /// <summary>The same feature extractor as <see cref="Features"/>, in eval mode, as the exporter's building blocks.</summary>
    protected abstract GraphValue DescribeFeatures(ExportGraph graph, GraphValue input);

    /// <summary>
    /// <see cref="Forward"/> in eval mode for <c>nirhost export --onnx</c>. <c>_frozen</c> changes nothing here: it only keeps
    /// BatchNorm in eval mode during training, and an exported graph is the eval graph.
    /// </summary>
    public void DescribeGraph(ExportGraph graph)
    {
        var features = DescribeFeatures(graph, graph.Input);
        var pooled = graph.GlobalAveragePool(features);
        if (_doublePool)
        {
            pooled = graph.Add(pooled, graph.GlobalMaxPool(features));
        }
        var embeddings = graph.Layer(pooled, EmbeddingHead);
        if (_normalize)
        {
            embeddings = graph.L2Normalize(embeddings);
        }
        graph.SetOutputs(embeddings, pooled);
    }

    /// <summary>Call last in the subclass constructor, with every module registered: loads or keeps the weights.</summary>
    protected void Initialise(BackboneOptions options, ILogger logger, string arch)
    {
        if (options.PretrainedWeights.Length > 0)
        {
            if (options.NotPretrained)
            {
                throw new ArgumentException("--pretrained_weights and --not_pretrained contradict each other; give one.");
            }
            var loaded = PretrainedWeights.Load(this, options.PretrainedWeights);
            logger.LogInformation("Loaded {Count} backbone tensors of --arch {Arch} from {File}", loaded, arch, options.PretrainedWeights);
        }
        else if (!options.NotPretrained)
        {
            logger.LogWarning("--arch {Arch}: no ImageNet weights can be downloaded here, so the backbone starts from scratch. " +
                "Give --pretrained_weights FILE (a PyTorch state dict) for the original's setup, or --not_pretrained to silence this.", arch);
        }
    }

    public override void train(bool on = true)
    {
        base.train(on);
        if (_frozen)
        {
            // The original replaces BatchNorm's train() with a no-op after eval(): running statistics never change.
            foreach (var (_, module) in named_modules())
            {
                if (module is BatchNorm2d batchNorm)
                {
                    batchNorm.eval();
                }
            }
        }
    }

    public override ArchitectureOutput Forward(Tensor input, bool warmup)
    {
        using var scope = NewDisposeScope();
        Tensor pooled;
        Tensor features;
        using (warmup ? no_grad() : null)
        {
            features = Features(input);
            pooled = features.mean([2, 3]);
            if (_doublePool)
            {
                pooled = pooled.add(features.amax([2, 3]));
            }
        }
        var embeddings = EmbeddingHead.forward(pooled);
        if (_normalize)
        {
            embeddings = nn.functional.normalize(embeddings, dim: -1);
        }
        return new ArchitectureOutput(embeddings.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope())
        {
            FeatureMaps = features.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>torchvision's initialisation for networks trained from scratch: He-normal convolutions, unit BatchNorm.</summary>
    protected void InitialiseFromScratch()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is { } bias)
                    {
                        nn.init.zeros_(bias);
                    }
                    break;
                case BatchNorm2d norm:
                    nn.init.ones_(norm.weight);
                    nn.init.zeros_(norm.bias);
                    break;
            }
        }
    }
}
