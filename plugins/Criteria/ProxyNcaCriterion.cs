using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// ProxyNCA (Movshovitz-Attias et al. 2017) as in the base repository: squared distances between embeddings and
/// proxies, both normalised and scaled by 3 (a fixed temperature), NCA over the other classes' proxies.
/// </summary>
[Criterion("proxynca", Options = typeof(ProxyNcaOptions),
    Description = "ProxyNCA: NCA over squared distances to one learnable proxy per class.")]
public sealed class ProxyNcaCriterion(ProxyNcaOptions options, TrainingSetup setup)
    : ClassProxyCriterion("proxynca", "proxies", ClassWeights.ScaledNormal(setup.NumClasses, setup.EmbedDim))
{
    private const double Scale = 3;

    private readonly ProxyNcaOptions _options = options;

    public override double ProxyLearningRate(TrainingSetup setup) => setup.LearningRate * _options.LrMultiplier;

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var labels = batch.Labels;
        var x = nn.functional.normalize(batch.Embeddings, dim: 1).mul(Scale);
        var p = nn.functional.normalize(Proxies, dim: 1).mul(Scale);
        var distances = Distances.SquaredMatrix(x, p);
        var toOwn = distances.gather(1, labels.unsqueeze(1)).squeeze(1);
        var classes = arange(p.shape[0], dtype: labels.dtype, device: labels.device);
        var others = labels.unsqueeze(1).ne(classes.unsqueeze(0));
        var toOthers = MaskedLogSumExp.OverIncluded(distances.neg(), others.logical_not(), 1);
        return toOwn.add(toOthers).mean().MoveToOuterDisposeScope();
    }
}
