using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// ArcFace (Deng et al. 2019): the angle between an embedding and its own class proxy is widened by an additive
/// angular margin before a scaled cross-entropy over all classes. Expects normalised embeddings.
/// </summary>
[Criterion("arcface", Options = typeof(ArcFaceOptions),
    Description = "ArcFace: additive angular margin on the target class, scaled cross-entropy over class proxies.")]
public sealed class ArcFaceCriterion(ArcFaceOptions options, TrainingSetup setup)
    : ClassProxyCriterion("arcface", "class_map", ClassWeights.Uniform(setup.NumClasses, setup.EmbedDim))
{
    private readonly ArcFaceOptions _options = options;

    public override double ProxyLearningRate(TrainingSetup setup) => _options.Lr;

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var labels = batch.Labels;
        // Clamped inside (0, 1) as the original does, which keeps acos differentiable.
        var cosine = batch.Embeddings.mm(nn.functional.normalize(Proxies, dim: 1).t()).clamp(1e-10, 1 - 1e-10);
        var targets = labels.unsqueeze(1);
        var target = cosine.gather(1, targets);
        var widened = target.acos().add(_options.AngularMargin).cos();
        // The target logit replaced by its widened value, the others kept: the original's one-hot blend in one scatter.
        var logits = cosine.scatter(1, targets, widened).mul(_options.FeatureScale);
        return nn.functional.cross_entropy(logits, labels).MoveToOuterDisposeScope();
    }
}
