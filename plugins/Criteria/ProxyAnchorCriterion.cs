using NirHost.Abstractions;
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
public sealed class ProxyAnchorCriterion : Criterion, IProxyCriterion
{
    private readonly ProxyAnchorOptions _options;

    // Named as in the original module so state dicts and checkpoints read "proxies".
    private readonly Parameter proxies;

    public ProxyAnchorCriterion(ProxyAnchorOptions options, TrainingSetup setup) : base("oproxy")
    {
        _options = options;
        // randn / 8 as in the original: small random proxies, drawn from the seeded global generator.
        using (no_grad())
        {
            proxies = new Parameter(randn(setup.NumClasses, setup.EmbedDim).div_(8));
        }
        RegisterComponents();
    }

    public Parameter Proxies => proxies;

    public bool IsNca => _options.Mode == "nca";

    public double ProxyLearningRate(TrainingSetup setup) => setup.LearningRate * _options.LrMultiplier;

    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        yield return new ParameterGroup("proxies", [Proxies], ProxyLearningRate(setup));
    }

    public override Tensor forward(CriterionBatch batch) =>
        ProxyAnchorLoss.Compute(batch.Embeddings, batch.Labels, Proxies, _options, IsNca);
}
