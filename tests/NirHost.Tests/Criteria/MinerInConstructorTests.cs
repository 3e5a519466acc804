using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Shared;
using NirHost.Testing;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>A criterion gets its miner in its constructor, as the original's criteria.select does, and may ask who it is.</summary>
public sealed class MinerInConstructorTests
{
    /// <summary>Given triplets, under the name of the original's distance miner.</summary>
    [BatchMiner("distance")]
    private sealed class FixedDistanceMiner(MinedTriplets triplets) : IBatchMiner
    {
        public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random) => triplets;
    }

    [Fact]
    public void Snr_drops_its_regulariser_only_with_the_miner_named_distance()
    {
        using var scope = NewDisposeScope();
        var embeddings = nn.functional.normalize(randn(6, 8, float64), dim: 1);
        var labels = tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        var triplets = new MinedTriplets([0, 2, 4], [1, 3, 5], [2, 4, 0]);
        var options = new SnrOptions { RegLambda = 0.5 };
        using var tuples = new MinedTuples(triplets, CPU);

        using var withDistance = new SnrCriterion(options, new FixedDistanceMiner(triplets));
        using var withOther = new SnrCriterion(options, new FixedMiner(triplets));
        var batch = new CriterionBatch(embeddings, labels);

        Assert.Equal(SnrCriterion.Compute(embeddings, tuples, options.Margin, 0).item<double>(), withDistance.forward(batch).item<double>(), 12);
        Assert.Equal(SnrCriterion.Compute(embeddings, tuples, options.Margin, 0.5).item<double>(), withOther.forward(batch).item<double>(), 12);
        Assert.NotEqual(withDistance.forward(batch).item<double>(), withOther.forward(batch).item<double>());
    }

    /// <summary>Declares allowed miners but never takes one: it could not learn from the run's miner.</summary>
    [Criterion("forgets_its_miner", AllowedMiners = ["random"])]
    public sealed class ForgetsItsMiner() : Criterion("forgets_its_miner")
    {
        public override Tensor forward(CriterionBatch batch) => batch.Embeddings.sum().mul(0);
    }

    [Fact]
    public void The_kit_fails_a_criterion_that_declares_miners_but_takes_none()
    {
        var failed = Assert.Single(ConformanceKit.Check(typeof(ForgetsItsMiner)), r => r.Failed);
        Assert.Equal("takes the batch miner it declares allowed miners for", failed.Check);
        Assert.Contains("constructor takes no IBatchMiner", failed.Detail);
    }
}
