using NirHost.Abstractions;
using NirHost.Plugins.BatchMiners;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Miners;

/// <summary>Miners that draw at random: valid tuples, and draws that follow the weights they are meant to follow.</summary>
public sealed class MinerSamplingTests
{
    private static (Tensor X, Tensor Labels) Batch(int classes, int perClass, int dim, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = nn.functional.normalize(randn(classes * perClass, dim, float64, generator: generator), dim: 1);
        var labels = arange(classes * perClass, dtype: int64).div(perClass, RoundingMode.floor);
        return (x, labels[randperm(classes * perClass, generator: generator)]);
    }

    public static TheoryData<string> TripletMiners => ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "npair", "lifted"];

    private static IBatchMiner Create(string name) => name switch
    {
        "random" => new RandomMiner(),
        "semihard" => new SemihardMiner(new SemihardMinerOptions()),
        "softhard" => new SofthardMiner(),
        // Without pushes rho_distance mines ordinary triplets; pushes are checked on their own.
        "rho_distance" => new RhoDistanceMiner(new RhoDistanceMinerOptions { ContrastiveProbability = 0 }),
        "parametric" => new ParametricMiner(new ParametricMinerOptions()),
        "distance" => new DistanceMiner(new DistanceMinerOptions()),
        "npair" => new NPairMiner(),
        "lifted" => new LiftedMiner(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(TripletMiners))]
    public void Mined_triplets_index_the_batch_with_same_class_positives_and_other_class_negatives(string name)
    {
        using var scope = NewDisposeScope();
        var (x, labels) = Batch(classes: 6, perClass: 3, dim: 16, seed: 11);
        var miner = Create(name);
        var triplets = miner.Mine(x, labels, new Random(2));
        var classOf = labels.data<long>().ToArray();
        Assert.True(triplets.Count > 0);
        for (var t = 0; t < triplets.Count; t++)
        {
            var (a, p, n) = (triplets.Anchors[t], triplets.Positives[t], triplets.Negatives[t]);
            Assert.InRange(a, 0, classOf.Length - 1);
            Assert.NotEqual(a, p);
            Assert.Equal(classOf[a], classOf[p]);
            Assert.NotEqual(classOf[a], classOf[n]);
        }
        // The same seed mines the same tuples.
        var again = miner.Mine(x, labels, new Random(2));
        Assert.Equal(triplets.Negatives, again.Negatives);
        Assert.Equal(triplets.Positives, again.Positives);
    }

    [Fact]
    public void Sets_of_a_triplet_miner_are_its_triplets_one_per_row()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = Batch(classes: 4, perClass: 2, dim: 8, seed: 3);
        IBatchMiner miner = new SemihardMiner(new SemihardMinerOptions());
        var triplets = miner.Mine(x, labels, new Random(4));
        var sets = miner.MineSets(x, labels, new Random(4));
        Assert.Equal(triplets.Anchors, sets.Anchors);
        Assert.Equal(triplets.Positives, sets.Positives.to(int64).argmax(1).data<long>().ToArray());
        Assert.Equal(triplets.Negatives, sets.Negatives.to(int64).argmax(1).data<long>().ToArray());
    }

    [Fact]
    public void Rho_distance_pushes_apart_samples_of_the_anchor_class_at_the_given_rate()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = Batch(classes: 5, perClass: 4, dim: 16, seed: 7);
        var classOf = labels.data<long>().ToArray();
        var miner = new RhoDistanceMiner(new RhoDistanceMinerOptions { ContrastiveProbability = 0.3 });
        var random = new Random(8);
        var (pushes, total) = (0, 0);
        for (var round = 0; round < 100; round++)
        {
            var triplets = miner.Mine(x, labels, random);
            for (var t = 0; t < triplets.Count; t++)
            {
                var (a, p, n) = (triplets.Anchors[t], triplets.Positives[t], triplets.Negatives[t]);
                total++;
                if (a == p)
                {
                    pushes++;
                    Assert.NotEqual(a, n);
                    Assert.Equal(classOf[a], classOf[n]);
                }
                else
                {
                    Assert.Equal(classOf[a], classOf[p]);
                    Assert.NotEqual(classOf[a], classOf[n]);
                }
            }
        }
        // 2000 triplets: the push rate's standard deviation is about 0.01.
        Assert.InRange(pushes / (double)total, 0.25, 0.35);
    }

    [Fact]
    public void Intra_random_draws_all_three_samples_from_one_class_as_many_times_as_the_batch_has_samples()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = Batch(classes: 4, perClass: 3, dim: 8, seed: 9);
        var classOf = labels.data<long>().ToArray();
        var triplets = new IntraRandomMiner().Mine(x, labels, new Random(10));
        Assert.Equal(classOf.Length, triplets.Count);
        for (var t = 0; t < triplets.Count; t++)
        {
            Assert.Equal(classOf[triplets.Anchors[t]], classOf[triplets.Positives[t]]);
            Assert.Equal(classOf[triplets.Anchors[t]], classOf[triplets.Negatives[t]]);
        }
        Assert.True(triplets.Anchors.Select(a => classOf[a]).Distinct().Count() > 1, "classes are drawn at random");
    }

    [Fact]
    public void Random_distance_mines_in_batch_tuples_independent_of_the_true_classes()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = Batch(classes: 4, perClass: 4, dim: 8, seed: 12);
        var classOf = labels.data<long>().ToArray();
        var miner = new RandomDistanceMiner(new DistanceMinerOptions());
        var random = new Random(13);
        var (sameClassPositives, total) = (0, 0);
        for (var round = 0; round < 20; round++)
        {
            var triplets = miner.Mine(x, labels, random);
            for (var t = 0; t < triplets.Count; t++)
            {
                Assert.InRange(triplets.Negatives[t], 0, classOf.Length - 1);
                Assert.NotEqual(triplets.Anchors[t], triplets.Positives[t]);
                Assert.NotEqual(triplets.Anchors[t], triplets.Negatives[t]);
                sameClassPositives += classOf[triplets.Anchors[t]] == classOf[triplets.Positives[t]] ? 1 : 0;
                total++;
            }
        }
        // Shuffled labels: a positive shares the anchor's true class about 3/15 of the time, not always.
        Assert.InRange(sameClassPositives / (double)total, 0.1, 0.35);
    }

    [Fact]
    public void Distance_weighted_negatives_follow_the_original_inverse_sphere_weights()
    {
        using var fixture = OwnFixtures.Miners.Load("distance_b24_d16");
        using var scope = NewDisposeScope();
        var x = fixture["input.x"];
        var labels = fixture["input.labels"];
        var expected = fixture["expect.negative_weights"].to(float64);
        var (rows, columns) = ((int)expected.shape[0], (int)expected.shape[1]);
        // The miner draws its negatives with RowSampling from these weights; draw every anchor's row many times at once.
        var sameClass = BatchMasks.SameClass(labels);
        var minerWeights = DistanceMiner.NegativeWeights(x, sameClass, fixture.Double("miner_distance_lower_cutoff"));
        const int draws = 20000;
        var drawn = RowSampling.Choose(minerWeights.repeat(draws, 1), new Random(5), "test");
        var counts = new double[rows, columns];
        for (var i = 0; i < drawn.Length; i++)
        {
            counts[i % rows, drawn[i]]++;
        }
        var weights = expected.data<double>().ToArray();
        for (var a = 0; a < rows; a++)
        {
            for (var n = 0; n < columns; n++)
            {
                var p = weights[a * columns + n];
                var frequency = counts[a, n] / draws;
                if (p == 0)
                {
                    Assert.True(counts[a, n] == 0, $"anchor {a} drew same-class sample {n}");
                    continue;
                }
                // Five standard deviations of a binomial frequency: a wrong weight formula shows, noise does not.
                var tolerance = 5 * Math.Sqrt(p * (1 - p) / draws) + 1e-3;
                Assert.True(Math.Abs(frequency - p) <= tolerance,
                    $"anchor {a}, negative {n}: drawn {frequency:F4} of the time, weight {p:F4} (tolerance {tolerance:F4}).");
            }
        }
    }
}
