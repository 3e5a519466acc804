using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Margin loss (Wu et al. 2017): anchor-positive distances below and anchor-negative distances above a
/// class-specific boundary beta, learnt per class at its own rate (<c>--loss_margin_beta_lr</c>) unless
/// <c>--loss_margin_beta_constant</c>.
/// </summary>
[Criterion("margin", Options = typeof(MarginOptions),
    AllowedMiners = ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"],
    Description = "Margin loss with a learnable boundary beta per class.")]
public sealed class MarginCriterion : Criterion
{
    private readonly MarginOptions _options;
    private readonly IBatchMiner _miner;

    // Named as in the original so state dicts read "beta".
    private readonly Parameter? beta;

    public MarginCriterion(MarginOptions options, TrainingSetup setup, IBatchMiner miner) : base("margin")
    {
        _options = options;
        _miner = miner;
        if (!options.BetaConstant)
        {
            beta = new Parameter(full(setup.NumClasses, options.Beta));
        }
        RegisterComponents();
    }

    /// <summary>The per-class boundaries; null with <c>--loss_margin_beta_constant</c>.</summary>
    public Parameter? Beta => beta;

    /// <summary>The boundaries train without weight decay at the absolute rate <c>loss_margin_beta_lr</c>, as in the original.</summary>
    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        if (beta is not null)
        {
            yield return new ParameterGroup("beta", [beta], _options.BetaLr);
        }
    }

    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(_miner, batch);
        return Compute(batch.Embeddings, batch.Labels, tuples);
    }

    public Tensor Compute(Tensor embeddings, Tensor labels, MinedTuples tuples)
    {
        if (tuples.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var positive = Distances.SmoothedRows(anchors, embeddings.index_select(0, tuples.Positives), 1e-8);
        var negative = Distances.SmoothedRows(anchors, embeddings.index_select(0, tuples.Negatives), 1e-8);
        Tensor boundary = beta is null
            ? full_like(positive, _options.Beta)
            : beta.index_select(0, labels.index_select(0, tuples.Anchors)).to(positive.dtype);

        var pull = nn.functional.relu(positive.sub(boundary).add(_options.Margin));
        var push = nn.functional.relu(boundary.sub(negative).add(_options.Margin));
        // The original adds two boolean tensors, which is a logical or: a triplet counts once if either term is active.
        var active = pull.gt(0).logical_or(push.gt(0)).sum();
        var loss = Reducers.SumOverActive(pull.add(push), active);
        if (_options.Nu != 0)
        {
            // The original's regulariser (nu times the sum of the triplets' betas) refers to a misspelt variable and
            // fails whenever nu is set; this is what it evidently means.
            loss = loss.add(boundary.sum().mul(_options.Nu));
        }
        return loss.MoveToOuterDisposeScope();
    }
}
