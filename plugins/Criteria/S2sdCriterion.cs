using NirHost.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// S2SD (Roth et al. 2021): besides the embedding trained with a source criterion, target branches (two-layer MLPs
/// on the backbone's pooled features) learn higher-dimensional embeddings with a target criterion, and the source
/// embedding's similarity structure is distilled from theirs (KL divergence between row-wise softmaxes of the
/// cosine similarity matrices). Optionally the pooled feature space itself is distilled after a delay, and with
/// <c>--loss_s2sd_pool_aggr</c> the branches see global average plus global max pooling of the unpooled feature maps.
/// Each part of the loss is recorded as a loss term (source, each target branch, the distillations), so that a
/// non-finite loss names the part that broke.
/// </summary>
[Criterion("s2sd", Options = typeof(S2sdOptions),
    Description = "S2SD self-distillation: target MLP branches on the pooled features, a source and a target criterion, similarity KL.")]
public sealed class S2sdCriterion : Criterion
{
    private readonly S2sdOptions _options;
    private readonly TrainingSetup[] _targetSetups;
    private long _iterations;

    // Named as in the original so state dicts read target_nets.{i}.{0,2}.*, target_criteria.{i}.*, source_criterion.*.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> target_nets;
    private readonly ModuleList<Criterion> target_criteria;
    private readonly Criterion source_criterion;

    public S2sdCriterion(S2sdOptions options, TrainingSetup setup, ICriterionFactory factory) : base("s2sd")
    {
        _options = options;
        if (setup.PenultimateDim <= 0)
        {
            throw new ArgumentException("S2SD needs the architecture's pooled feature size (TrainingSetup.PenultimateDim), which was not given.");
        }
        foreach (var (name, flag) in new[] { (options.Source, "loss_s2sd_source"), (options.Target, "loss_s2sd_target") })
        {
            if (name == "s2sd")
            {
                throw new ArgumentException($"--{flag} s2sd would nest S2SD in itself; choose a base criterion such as multisimilarity.");
            }
        }

        target_nets = new ModuleList<nn.Module<Tensor, Tensor>>();
        foreach (var dim in options.TargetDims)
        {
            target_nets.Add(nn.Sequential(nn.Linear(setup.PenultimateDim, dim), nn.ReLU(), nn.Linear(dim, dim)));
        }
        // Built in the original's order (target nets, target criteria, source) so seeded initialisations line up.
        target_criteria = new ModuleList<Criterion>();
        _targetSetups = options.TargetDims.Select(dim => setup with { EmbedDim = dim }).ToArray();
        for (var i = 0; i < options.TargetDims.Length; i++)
        {
            target_criteria.Add(factory.Create(options.Target, _targetSetups[i], "loss_s2sd_target"));
        }
        source_criterion = factory.Create(options.Source, setup, "loss_s2sd_source");
        RegisterComponents();
    }

    public Criterion Source => source_criterion;

    public IReadOnlyList<Criterion> Targets => [.. target_criteria];

    public IReadOnlyList<nn.Module<Tensor, Tensor>> TargetNets => [.. target_nets];

    /// <summary>Training steps seen so far; feature distillation starts at <c>--loss_s2sd_feat_distill_delay</c>.</summary>
    public long Iterations { get => _iterations; set => _iterations = value; }

    /// <summary>
    /// The target branches at the base rate, then each criterion's own groups (at the base rate where a criterion
    /// has parameters but no groups of its own), all without weight decay as in the original.
    /// </summary>
    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        yield return new ParameterGroup("target_nets", target_nets.parameters().ToList(), setup.LearningRate);
        for (var i = 0; i < target_criteria.Count; i++)
        {
            foreach (var group in target_criteria[i].ParameterGroups(_targetSetups[i] with { LearningRate = setup.LearningRate }))
            {
                yield return group with { Name = $"target_criteria.{i}.{group.Name}" };
            }
        }
        foreach (var group in source_criterion.ParameterGroups(setup))
        {
            yield return group with { Name = $"source_criterion.{group.Name}" };
        }
    }

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var pooled = TargetFeatures(batch);
        var source = nn.functional.normalize(batch.Embeddings, dim: -1);
        var sourceLoss = source_criterion.forward(batch with { Embeddings = source });
        RecordLossTerm($"source {_options.Source}", sourceLoss);
        var sourceSimilarities = source.mm(source.t());

        var targetLosses = new List<Tensor>();
        var divergences = new List<Tensor>();
        for (var i = 0; i < target_nets.Count; i++)
        {
            var target = nn.functional.normalize(target_nets[i].forward(pooled), dim: -1);
            var targetLoss = target_criteria[i].forward(batch with { Embeddings = target });
            RecordLossTerm($"target {_options.TargetDims[i]} {_options.Target}", targetLoss);
            targetLosses.Add(targetLoss);
            // The target's similarities are a fixed teacher: computed off the graph rather than built and then detached.
            using var teacher = target.detach();
            divergences.Add(Divergence(sourceSimilarities, teacher.mm(teacher.t())));
        }
        var distillation = stack(divergences).mean();
        RecordLossTerm("similarity distillation", distillation);
        var loss = stack(targetLosses).mean().add(sourceLoss).div(2).add(distillation.mul(_options.W));

        if (_options.FeatDistill && _iterations >= _options.FeatDistillDelay)
        {
            using var normalized = nn.functional.normalize(pooled.detach(), dim: -1);
            var featureDistillation = Divergence(sourceSimilarities, normalized.mm(normalized.t()));
            RecordLossTerm("feature distillation", featureDistillation);
            loss = loss.add(featureDistillation.mul(_options.FeatW));
        }
        _iterations++;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, features]: what the target branches see. The backbone's pooled features, or with
    /// <c>--loss_s2sd_pool_aggr</c> the sum of global average and global max pooling of its unpooled feature maps,
    /// as the original computes them in the criterion.
    /// </summary>
    private Tensor TargetFeatures(CriterionBatch batch)
    {
        var count = batch.Embeddings.shape[0];
        if (!_options.PoolAggr)
        {
            var pooled = batch.PooledFeatures ?? throw new InvalidOperationException(
                "S2SD needs the backbone's pooled features (CriterionBatch.PooledFeatures), but the batch has none.");
            return pooled.reshape(count, -1);
        }
        var maps = batch.FeatureMaps ?? throw new InvalidOperationException(
            "--loss_s2sd_pool_aggr pools the backbone's unpooled feature maps (CriterionBatch.FeatureMaps), but the architecture " +
            "did not provide them; leave the flag off or use an architecture that returns ArchitectureOutput.FeatureMaps.");
        if (maps.dim() != 4)
        {
            throw new InvalidOperationException(
                $"--loss_s2sd_pool_aggr expects feature maps of shape [batch, channels, height, width], got [{string.Join(", ", maps.shape)}].");
        }
        // Adaptive pooling as the original's modules, so that ties in the maximum route the gradient the same way.
        var average = nn.functional.adaptive_avg_pool2d(maps, 1);
        var maximum = nn.functional.adaptive_max_pool2d(maps, [1, 1]);
        return average.reshape(count, -1).add(maximum.reshape(count, -1));
    }

    /// <summary>KL(softmax(B / T) || softmax(A / T)) summed over rows, times T^2, averaged over rows: relation distillation.</summary>
    private Tensor Divergence(Tensor student, Tensor teacher)
    {
        var temperature = _options.T;
        var logStudent = student.div(temperature).log_softmax(-1);
        var logTeacher = teacher.div(temperature).log_softmax(-1);
        return logTeacher.exp().mul(logTeacher.sub(logStudent)).sum().mul(temperature * temperature).div(student.shape[0]);
    }
}
