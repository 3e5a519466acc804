using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// ProxyAnchor (Kim et al. 2020), or ProxyNCA with <c>--loss_oproxy_mode nca</c>: one learnable proxy per
/// class, trained at <c>lr * loss_oproxy_lrmulti</c>.
/// </summary>
[Criterion("oproxy", Options = typeof(ProxyAnchorOptions),
    Description = "ProxyAnchor (or ProxyNCA with --loss_oproxy_mode nca) with one learnable proxy per class.")]
public sealed class ProxyAnchorCriterion(ProxyAnchorOptions options, TrainingSetup setup)
    : ClassProxyCriterion("oproxy", "proxies", ClassWeights.ScaledNormal(setup.NumClasses, setup.EmbedDim))
{
    private readonly ProxyAnchorOptions _options = options;

    public bool IsNca => _options.Mode == "nca";

    public override double ProxyLearningRate(TrainingSetup setup) => setup.LearningRate * _options.LrMultiplier;

    public override Tensor forward(CriterionBatch batch) =>
        ProxyAnchorLoss.Compute(batch.Embeddings, batch.Labels, Proxies, _options, IsNca);
}
