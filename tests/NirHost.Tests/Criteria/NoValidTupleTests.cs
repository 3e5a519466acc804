using NirHost.Abstractions;
using NirHost.Plugins.BatchMiners;
using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Shared;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>
/// Batches with nothing to learn from (one sample per class, or one class): miners return no tuple instead of
/// failing, and criteria give a zero that keeps the graph, so the host's backward runs and every gradient is zero.
/// </summary>
public sealed class NoValidTupleTests
{
    private static readonly long[] OnePerClass = [0, 1, 2, 3, 4, 5];
    private static readonly long[] OneClass = [3, 3, 3, 3, 3, 3];

    public static TheoryData<string, string> CriteriaWithMiners => new()
    {
        { "triplet", "semihard" }, { "contrastive", "distance" }, { "quadruplet", "softhard" }, { "snr", "random" },
        { "margin", "parametric" }, { "triplet", "rho_distance" }, { "contrastive", "random_distance" },
        { "lifted", "lifted" }, { "npair", "npair" }, { "angular", "npair" }, { "histogram", "" },
    };

    private static Criterion CreateCriterion(string name, IBatchMiner? miner) => name switch
    {
        "triplet" => new TripletCriterion(new TripletOptions(), miner!),
        "contrastive" => new ContrastiveCriterion(new ContrastiveOptions(), miner!),
        "quadruplet" => new QuadrupletCriterion(new QuadrupletOptions(), miner!),
        "snr" => new SnrCriterion(new SnrOptions(), miner!),
        "margin" => new MarginCriterion(new MarginOptions(), TestSetups.Create(numClasses: 6), miner!),
        "lifted" => new LiftedCriterion(new LiftedOptions(), miner!),
        "npair" => new NPairCriterion(new NPairOptions(), TestSetups.Create(), miner!),
        "angular" => new AngularCriterion(new AngularOptions(), miner!),
        "histogram" => new HistogramCriterion(new HistogramOptions()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static IBatchMiner? CreateMiner(string name) => name switch
    {
        "" => null,
        "random" => new RandomMiner(),
        "semihard" => new SemihardMiner(new SemihardMinerOptions()),
        "softhard" => new SofthardMiner(),
        "distance" => new DistanceMiner(new DistanceMinerOptions()),
        "rho_distance" => new RhoDistanceMiner(new RhoDistanceMinerOptions()),
        "random_distance" => new RandomDistanceMiner(new DistanceMinerOptions()),
        "parametric" => new ParametricMiner(new ParametricMinerOptions()),
        "npair" => new NPairMiner(),
        "lifted" => new LiftedMiner(),
        "intra_random" => new IntraRandomMiner(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(CriteriaWithMiners))]
    public void A_batch_of_one_class_gives_a_zero_loss_whose_gradients_are_zero(string criterionName, string minerName)
    {
        using var scope = NewDisposeScope();
        using var criterion = CreateCriterion(criterionName, CreateMiner(minerName));
        foreach (var labels in new[] { OneClass, OnePerClass })
        {
            // The distance miner pairs a sample alone in its class with itself (as the original); that is a tuple.
            if (labels == OnePerClass && minerName == "distance")
            {
                continue;
            }
            var embeddings = nn.functional.normalize(randn(labels.Length, 8, float64), dim: 1).detach().requires_grad_(true);
            var loss = criterion.call(new CriterionBatch(embeddings, tensor(labels)) { Random = new Random(1) });

            Assert.Equal(0.0, loss.item<double>());
            Assert.True(loss.requires_grad, "the zero must keep the graph, or the host's backward fails");
            loss.backward();
            Assert.NotNull(embeddings.grad);
            Assert.Equal(0.0, embeddings.grad!.abs().max().item<double>());
        }
    }

    public static TheoryData<string> Miners =>
        ["random", "semihard", "softhard", "distance", "rho_distance", "random_distance", "parametric", "npair", "lifted", "intra_random"];

    [Theory]
    [MemberData(nameof(Miners))]
    public void Miners_return_no_tuple_where_the_batch_has_none(string name)
    {
        using var scope = NewDisposeScope();
        var miner = CreateMiner(name)!;
        var embeddings = nn.functional.normalize(randn(6, 8), dim: 1);
        foreach (var (labels, what) in new[] { (OneClass, "one class"), (OnePerClass, "one sample per class") })
        {
            var triplets = miner.Mine(embeddings, tensor(labels), new Random(2));
            var sets = miner.MineSets(embeddings, tensor(labels), new Random(2));
            // The ablation draws its three samples from one class on purpose; distance pairs a lone sample with itself.
            var expected = name == "intra_random" || (name == "distance" && labels == OnePerClass) ? labels.Length : 0;
            Assert.True(expected == triplets.Count, $"{name} on {what}: {triplets.Count} triplets, expected {expected}");
            Assert.True(expected == sets.Count, $"{name} on {what}: {sets.Count} anchor sets, expected {expected}");
        }
    }

    [Fact]
    public void The_random_miner_returns_every_valid_triplet_when_there_are_fewer_than_the_batch()
    {
        using var scope = NewDisposeScope();
        // Two samples of class 0 and one of class 1: (0, 1, 2) and (1, 0, 2) are the only triplets.
        var triplets = new RandomMiner().Mine(randn(3, 4), tensor(new long[] { 0, 0, 1 }), new Random(3));
        Assert.Equal(2, triplets.Count);
        Assert.Equal([0L, 1L], triplets.Anchors.Order());
        Assert.All(triplets.Negatives, n => Assert.Equal(2L, n));
    }

    [Fact]
    public void Quadruplet_without_any_fourth_sample_keeps_its_triplet_term()
    {
        using var scope = NewDisposeScope();
        // Every mined triplet has the lone sample of class 1 as its negative: no fourth sample differs from it.
        var embeddings = nn.functional.normalize(randn(4, 8, float64), dim: 1).detach().requires_grad_(true);
        var triplets = new MinedTriplets([0, 1, 2], [1, 2, 0], [3, 3, 3]);
        using var criterion = new QuadrupletCriterion(new QuadrupletOptions(), new FixedMiner(triplets));

        var loss = criterion.call(new CriterionBatch(embeddings, tensor(new long[] { 0, 0, 0, 1 })) { Random = new Random(4) });

        Assert.Equal([-1L, -1L, -1L], QuadrupletCriterion.DrawFourth(triplets, 4, new Random(4)));
        using var tuples = new MinedTuples(triplets, CPU);
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var expected = nn.functional.relu(Distances.EuclideanRows(anchors, embeddings.index_select(0, tuples.Positives))
            .sub(Distances.EuclideanRows(anchors, embeddings.index_select(0, tuples.Negatives))).add(new QuadrupletOptions().MarginAlpha1)).mean();
        Assert.Equal(expected.item<double>(), loss.item<double>(), 12);
        loss.backward();
        Assert.True(embeddings.grad!.isfinite().all().item<bool>());
    }
}
