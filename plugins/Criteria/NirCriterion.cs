using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Flows;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Non-isotropy regularization (Roth et al., CVPR 2022): a conditional normalizing flow maps each embedding,
/// conditioned on its normalised class proxy, to a standard normal; its negative log-likelihood (exponentiated,
/// as the original does) pulls samples into non-isotropic distributions around their proxies, and a weighted
/// ProxyAnchor term keeps the proxies aligned.
/// Alone (<c>--loss nir</c>) it owns its proxies and uses ProxyAnchor with the <c>loss_oproxy_*</c> flags.
/// Composed around another proxy criterion (<c>--loss X --loss_nir_w_align W</c>) it uses that criterion's
/// proxies and takes that criterion's own loss as the alignment term.
/// </summary>
[Criterion("nir", Options = typeof(NirOptions), ComposesOntoProxyCriteriaWith = "loss_nir_w_align",
    Description = "Non-isotropy regularization: a proxy-conditioned normalizing flow plus a weighted ProxyAnchor alignment term.")]
public sealed class NirCriterion : Criterion, IProxyCriterion
{
    private readonly NirOptions _options;
    private readonly ProxyAnchorOptions _proxyOptions;
    private readonly Criterion? _inner;

    // Named as in the original so that state dicts read proxies, normflow.normflow.module_list.*, normflow_cond_prep.*.
    private readonly Parameter? proxies;
    private readonly NormFlow normflow;
    private readonly ConditionPreparation normflow_cond_prep;

    public NirCriterion(NirOptions options, ProxyAnchorOptions proxyOptions, TrainingSetup setup, IProxyCriterion? inner = null) : base("nir")
    {
        _options = options;
        _proxyOptions = proxyOptions;
        if (inner is not null)
        {
            _inner = inner as Criterion ?? throw new ArgumentException(
                $"NIR composes onto proxy criteria that are criterion modules; {inner.GetType().Name} is not.", nameof(inner));
        }
        else
        {
            // randn / 8 as in the original, drawn first so that a seeded run initialises like the original.
            using var _ = no_grad();
            proxies = new Parameter(randn(setup.NumClasses, setup.EmbedDim).div_(8));
        }
        normflow = new NormFlow(setup.EmbedDim, options.CondMode, options.CBlocks, options.FcDepth, options.FcWidth,
            options.ClampAlpha, options.FcInit);
        normflow_cond_prep = new ConditionPreparation(setup.EmbedDim, options.CBlocks, options.CondMode);

        if (proxies is not null)
        {
            register_parameter(nameof(proxies), proxies);
        }
        if (_inner is not null)
        {
            // A submodule, so that checkpoints carry the inner criterion's proxies beside the flow.
            register_module("inner", _inner);
        }
        register_module(nameof(normflow), normflow);
        register_module(nameof(normflow_cond_prep), normflow_cond_prep);
    }

    /// <summary>Name of the recorded loss term exp(||z||^2 / 2 - log|det J|), averaged over the batch.</summary>
    public const string FlowTerm = "flow likelihood exp(0.5 ||z||^2 - log|det J|)";

    /// <summary>Name of the recorded (unweighted) alignment term: ProxyAnchor, or the composed criterion's loss.</summary>
    public const string AlignmentTerm = "alignment";

    /// <summary>The criterion NIR is composed around, if any.</summary>
    public Criterion? Inner => _inner;

    public NormFlow Flow => normflow;

    public ConditionPreparation ConditionPreparation => normflow_cond_prep;

    public Parameter Proxies => proxies ?? ((IProxyCriterion)_inner!).Proxies;

    public double ProxyLearningRate(TrainingSetup setup) =>
        _inner is IProxyCriterion inner ? inner.ProxyLearningRate(setup) : setup.LearningRate * _options.ProxyLrMultiplier;

    /// <summary>
    /// Proxies at their own rate (the inner criterion's groups when composed), flow and condition embedders at
    /// <c>lr * loss_nir_lrmulti</c>; none with weight decay, as the original adds them.
    /// </summary>
    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        if (_inner is not null)
        {
            foreach (var group in _inner.ParameterGroups(setup))
            {
                yield return group;
            }
        }
        else
        {
            yield return new ParameterGroup("proxies", [proxies!], ProxyLearningRate(setup));
        }
        var flowRate = setup.LearningRate * _options.LrMultiplier;
        yield return new ParameterGroup("normflow", normflow.parameters().ToList(), flowRate);
        var embedders = normflow_cond_prep.parameters().ToList();
        if (embedders.Count > 0)
        {
            yield return new ParameterGroup("normflow_cond_prep", embedders, flowRate);
        }
    }

    /// <summary>The flow's latent and log|det J| for embeddings conditioned on their classes' proxies.</summary>
    public (Tensor Latent, Tensor LogDet) Latent(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var conditions = normflow_cond_prep.call(ClassConditions(labels));
        var (latent, logDet) = normflow.Forward(embeddings, conditions);
        return (latent.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>Embeddings from latents: the flow's reverse pass under the same conditions.</summary>
    public Tensor Reverse(Tensor latent, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var conditions = normflow_cond_prep.call(ClassConditions(labels));
        return normflow.Forward(latent, conditions, reverse: true).Output.MoveToOuterDisposeScope();
    }

    /// <summary>The alignment term before weighting: the inner criterion's loss, or ProxyAnchor on NIR's own proxies.</summary>
    public Tensor AlignmentLoss(CriterionBatch batch) => _inner is not null
        ? _inner.call(batch)
        : ProxyAnchorLoss.Compute(batch.Embeddings, batch.Labels, proxies!, _proxyOptions, nca: false);

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var alignment = AlignmentLoss(batch);
        var embeddings = batch.Embeddings;
        if (_options.Noise > 0)
        {
            // Uniform noise in [0, noise), then back onto the sphere, as the original perturbs the flow's input.
            embeddings = nn.functional.normalize(embeddings.add(rand_like(embeddings).mul_(_options.Noise)), dim: 1);
        }
        var (latent, logDet) = Latent(embeddings, batch.Labels);
        if (_options.SafeFlow)
        {
            // Everything from the latent on in float64, and the loss returned in float64: a likelihood of 1e52 is a
            // number there, and the capped gradient is what crosses back into the float32 flow and embeddings.
            var safeNll = latent.to(float64).square().sum(1).mul_(0.5).sub_(logDet.to(float64));
            var safeLikelihood = SafeFlowLikelihood.Mean(safeNll, _options.SafeFlowBound);
            RecordLossTerm(FlowTerm, safeLikelihood);
            RecordLossTerm(AlignmentTerm, alignment);
            return safeLikelihood.add(alignment.to(float64).mul(_options.WAlign)).MoveToOuterDisposeScope();
        }
        // The original multiplies by a float64 vector of ones before exp, so the likelihood term is exponentiated
        // and averaged in float64: large early negative log-likelihoods stay finite where float32 would overflow.
        var nll = latent.square().sum(1).mul_(0.5).sub_(logDet).to(float64);
        var likelihood = nll.exp_().mean();
        RecordLossTerm(FlowTerm, likelihood);
        RecordLossTerm(AlignmentTerm, alignment);
        var loss = likelihood.add(alignment.to(float64).mul(_options.WAlign));
        return loss.to(embeddings.dtype).MoveToOuterDisposeScope();
    }

    private Tensor ClassConditions(Tensor labels) =>
        nn.functional.normalize(Proxies, dim: -1).index_select(0, labels);
}
