using NirHost.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// A small four-stage CNN (conv-BN-ReLU, pooling between stages) sized for 32 px images on a CPU.
/// Follows the original's suffixes: <c>_normalize</c> L2-normalises the embedding, <c>_frozen</c> keeps
/// BatchNorm statistics fixed, <c>_double</c> adds global max pooling to the average pooling.
/// </summary>
[Architecture("convnet", Options = typeof(ConvNetOptions),
    Description = "Small 4-stage CNN for the embedded 32 px dataset (suffixes: _frozen, _normalize, _double).")]
public sealed class ConvNetArchitecture : Architecture
{
    private readonly Sequential backbone;
    private readonly Linear last_linear;
    private readonly bool _normalize;
    private readonly bool _frozen;
    private readonly bool _doublePool;

    public ConvNetArchitecture(ConvNetOptions options, TrainingSetup setup, ComponentSpec spec) : base("convnet")
    {
        var unknown = spec.Suffixes.Except(["frozen", "normalize", "double"]).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"--arch {spec.FullName}: unknown suffix '{unknown[0]}' (known: _frozen, _normalize, _double).");
        }
        _normalize = spec.HasSuffix("normalize");
        _frozen = spec.HasSuffix("frozen");
        _doublePool = spec.HasSuffix("double");

        var w = options.Width;
        backbone = nn.Sequential(
            Stage(3, w), nn.MaxPool2d(2),
            Stage(w, 2 * w), nn.MaxPool2d(2),
            Stage(2 * w, 4 * w), nn.MaxPool2d(2),
            Stage(4 * w, 4 * w));
        PooledDim = 4 * w;
        last_linear = nn.Linear(PooledDim, setup.EmbedDim);
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> EmbeddingHead => last_linear;

    public override int PooledDim { get; }

    public override void train(bool on = true)
    {
        base.train(on);
        if (_frozen)
        {
            // The original replaces BatchNorm's train() with a no-op, so running statistics never change.
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
            features = backbone.forward(input);
            pooled = features.mean([2, 3]);
            if (_doublePool)
            {
                pooled = pooled.add(features.amax([2, 3]));
            }
        }
        var embeddings = last_linear.forward(pooled);
        if (_normalize)
        {
            embeddings = nn.functional.normalize(embeddings, dim: -1);
        }
        return new ArchitectureOutput(embeddings.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope())
        {
            FeatureMaps = features.MoveToOuterDisposeScope(),
        };
    }

    private static Sequential Stage(int inChannels, int outChannels) => nn.Sequential(
        nn.Conv2d(inChannels, outChannels, kernel_size: 3, padding: 1, bias: false),
        nn.BatchNorm2d(outChannels),
        nn.ReLU(inplace: true));
}
