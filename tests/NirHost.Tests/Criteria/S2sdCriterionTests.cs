using NirHost.Abstractions;
using NirHost.Host.Training;
using NirHost.Plugins.Criteria;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>S2SD's recorded loss terms (what the non-finite guard names) and its pooling of unpooled feature maps.</summary>
public sealed class S2sdCriterionTests
{
    private const int Batch = 12;
    private const int Pooled = 10;

    private static S2sdCriterion Build(S2sdOptions options)
    {
        random.manual_seed(3);
        var setup = TestSetups.Create(embedDim: 8, numClasses: 6, batchSize: Batch) with { PenultimateDim = Pooled };
        var criterion = new S2sdCriterion(options, setup, new MultisimilarityFactory());
        criterion.to(float64);
        return criterion;
    }

    private static (Tensor X, Tensor Labels, Tensor Pooled) Inputs()
    {
        random.manual_seed(4);
        return (randn(Batch, 8, dtype: float64), arange(Batch / 2, dtype: int64).repeat_interleave(2), rand(Batch, Pooled, dtype: float64));
    }

    [Fact]
    public void S2sd_records_its_source_target_and_distillation_terms_which_make_up_its_loss()
    {
        using var scope = NewDisposeScope();
        var options = new S2sdOptions { TargetDims = [8, 12], W = 5, FeatDistill = true, FeatDistillDelay = 0, FeatW = 10 };
        using var criterion = Build(options);
        var (x, labels, pooled) = Inputs();

        var loss = criterion.forward(new CriterionBatch(x, labels) { PooledFeatures = pooled });

        var terms = criterion.LossTerms.ToDictionary(pair => pair.Key, pair => pair.Value.item<double>());
        Assert.Equal(
            ["feature distillation", "similarity distillation", "source multisimilarity", "target 12 multisimilarity", "target 8 multisimilarity"],
            terms.Keys.Order(StringComparer.Ordinal));
        // The source term is the source criterion on the normalised embeddings, and the terms add up to the loss.
        var source = MultisimilarityCriterion.Compute(nn.functional.normalize(x, dim: -1), labels, new MultisimilarityOptions()).item<double>();
        TensorAssert.Close(source, terms["source multisimilarity"], 1e-12, "source term");
        var combined = ((terms["target 8 multisimilarity"] + terms["target 12 multisimilarity"]) / 2 + terms["source multisimilarity"]) / 2
            + options.W * terms["similarity distillation"] + options.FeatW * terms["feature distillation"];
        TensorAssert.Close(combined, loss.item<double>(), 1e-12, "loss from its terms");
        Assert.All(criterion.LossTerms.Values, term => Assert.False(term.requires_grad));
    }

    [Fact]
    public void A_non_finite_target_branch_is_what_the_guard_names()
    {
        using var scope = NewDisposeScope();
        using var criterion = Build(new S2sdOptions { TargetDims = [8], W = 1 });
        var (x, labels, pooled) = Inputs();
        pooled[3, 2] = tensor(double.NaN);
        using var model = new TinyArchitecture();
        var guard = new NonFiniteGuard(model, criterion, "s2sd", "tiny");

        var loss = criterion.forward(new CriterionBatch(x.requires_grad_(true), labels) { PooledFeatures = pooled });
        loss.backward();
        var (value, problem) = guard.Check(loss, x, epoch: 2, step: 5);

        Assert.True(double.IsNaN(value));
        Assert.NotNull(problem);
        Assert.Contains("The loss of criterion 's2sd' became NaN at epoch 2, step 5", problem);
        Assert.Contains("non-finite term: 'target 8 multisimilarity' = NaN", problem);
        Assert.Contains("finite: 'source multisimilarity' = ", problem);
    }

    [Fact]
    public void Pool_aggregation_needs_the_feature_maps_and_ignores_the_pooled_features()
    {
        using var scope = NewDisposeScope();
        using var criterion = Build(new S2sdOptions { TargetDims = [8], W = 1, PoolAggr = true });
        var (x, labels, pooled) = Inputs();

        var missing = Assert.Throws<InvalidOperationException>(() => criterion.forward(new CriterionBatch(x, labels) { PooledFeatures = pooled }));
        Assert.Contains("--loss_s2sd_pool_aggr", missing.Message);
        Assert.Contains("FeatureMaps", missing.Message);

        var maps = rand(Batch, Pooled, 2, 2, dtype: float64);
        var withAverage = criterion.forward(new CriterionBatch(x, labels) { PooledFeatures = maps.mean([2, 3]), FeatureMaps = maps }).item<double>();
        var withOther = criterion.forward(new CriterionBatch(x, labels) { PooledFeatures = pooled, FeatureMaps = maps }).item<double>();
        Assert.Equal(withAverage, withOther);

        var flat = Assert.Throws<InvalidOperationException>(() => criterion.forward(new CriterionBatch(x, labels) { FeatureMaps = pooled }));
        Assert.Contains("[batch, channels, height, width]", flat.Message);
    }

    private sealed class MultisimilarityFactory : ICriterionFactory
    {
        public Criterion Create(string name, TrainingSetup setup, string flag) => new MultisimilarityCriterion(new MultisimilarityOptions());
    }

    /// <summary>A stand-in network: the guard only reads its parameters' gradients, of which it has none here.</summary>
    private sealed class TinyArchitecture : Architecture
    {
        private readonly TorchSharp.Modules.Linear head = nn.Linear(Pooled, 8);

        public TinyArchitecture() : base("tiny") => RegisterComponents();

        public override nn.Module<Tensor, Tensor> EmbeddingHead => head;

        public override int PooledDim => Pooled;

        public override ArchitectureOutput Forward(Tensor input, bool warmup) => new(head.forward(input), input);
    }
}
