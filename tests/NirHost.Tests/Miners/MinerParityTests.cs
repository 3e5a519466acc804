using NirHost.Plugins.BatchMiners;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Miners;

/// <summary>
/// The deterministic part of each miner against the original's code (fixtures/own-miners): the candidate
/// sets and sampling weights it draws from, given the batch and, where it matters, the positive chosen.
/// </summary>
public sealed class MinerParityTests
{
    public static TheoryData<string> Semihard => OwnFixtures.Miners.OfKind("miner_semihard");
    public static TheoryData<string> Distance => OwnFixtures.Miners.OfKind("miner_distance");
    public static TheoryData<string> NPair => OwnFixtures.Miners.OfKind("miner_npair");
    public static TheoryData<string> Lifted => OwnFixtures.Miners.OfKind("miner_lifted");
    public static TheoryData<string> Softhard => OwnFixtures.Miners.OfKind("miner_softhard");
    public static TheoryData<string> RhoDistance => OwnFixtures.Miners.OfKind("miner_rho_distance");
    public static TheoryData<string> RandomDistance => OwnFixtures.Miners.OfKind("miner_random_distance");
    public static TheoryData<string> Parametric => OwnFixtures.Miners.OfKind("miner_parametric");

    [Theory]
    [MemberData(nameof(Semihard))]
    public void Semihard_candidates_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        AssertMask(fixture["expect.positive_candidates"], BatchMasks.WithoutSelf(sameClass), "positive candidates");
        var negatives = SemihardMiner.NegativeCandidates(PairwiseDistances.Euclidean(fixture["input.x"]), sameClass,
            Longs(fixture["expect.positives"]), fixture.Double("miner_semihard_margin"));
        AssertMask(fixture["expect.negative_candidates"], negatives, "semihard negative candidates");
    }

    [Theory]
    [MemberData(nameof(Distance))]
    public void Distance_weights_and_positive_candidates_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        var weights = DistanceMiner.NegativeWeights(fixture["input.x"], sameClass, fixture.Double("miner_distance_lower_cutoff"));
        TensorAssert.Close(fixture["expect.negative_weights"], weights, fixture.Tolerance, "inverse sphere weights");
        AssertMask(fixture["expect.positive_candidates"], DistanceMiner.PositiveCandidates(sameClass), "positive candidates");
    }

    [Theory]
    [MemberData(nameof(NPair))]
    public void NPair_sets_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var labels = fixture["input.labels"];
        var sets = new NPairMiner().MineSets(fixture["input.x"], labels, new Random(1));
        Assert.Equal(Longs(fixture["expect.anchors"]), sets.Anchors);
        var (positives, negatives) = NPairMiner.Candidates(BatchMasks.SameClass(labels), sets.Anchors);
        AssertMask(fixture["expect.positive_candidates"], positives, "positive candidates");
        AssertMask(fixture["expect.negatives"], negatives, "negative sets");
        AssertMask(fixture["expect.negatives"], sets.Negatives, "mined negative sets");
        // One positive per anchor, drawn from its candidates.
        Assert.True(sets.Positives.sum(1).eq(1).all().item<bool>(), "each anchor has exactly one positive");
        Assert.True(sets.Positives.logical_and(positives.logical_not()).any().item<bool>() == false, "positives come from the candidates");
    }

    [Theory]
    [MemberData(nameof(Lifted))]
    public void Lifted_sets_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sets = new LiftedMiner().MineSets(fixture["input.x"], fixture["input.labels"], new Random(1));
        Assert.Equal(Longs(fixture["expect.anchors"]), sets.Anchors);
        AssertMask(fixture["expect.positives"], sets.Positives, "positive sets");
        AssertMask(fixture["expect.negatives"], sets.Negatives, "negative sets");
    }

    [Theory]
    [MemberData(nameof(Softhard))]
    public void Softhard_candidates_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        var anchors = BatchMasks.Indices(BatchMasks.HasPositive(sameClass));
        Assert.Equal(Longs(fixture["expect.anchors"]), anchors);
        var (positives, negatives) = SofthardMiner.Candidates(PairwiseDistances.Euclidean(fixture["input.x"]), sameClass, anchors);
        AssertMask(fixture["expect.positive_candidates"], positives, "hard positive candidates");
        AssertMask(fixture["expect.negative_candidates"], negatives, "hard negative candidates");
    }

    [Theory]
    [MemberData(nameof(RhoDistance))]
    public void Rho_distance_weights_and_candidates_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        var anchors = BatchMasks.Indices(BatchMasks.HasPositive(sameClass));
        Assert.Equal(Longs(fixture["expect.anchors"]), anchors);
        var others = BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors);
        AssertMask(fixture["expect.positive_candidates"], others, "positive candidates");
        var weights = RhoDistanceMiner.NegativeWeights(fixture["input.x"], sameClass, anchors, fixture.Double("miner_rho_distance_lower_cutoff"));
        TensorAssert.Close(fixture["expect.negative_weights"], weights, fixture.Tolerance, "inverse sphere weights");
        // The push branch: the anchor is its own positive, its negative one of its class.
        Assert.Equal(anchors, Longs(fixture["expect.push_positives"]));
        AssertMask(fixture["expect.push_negative_candidates"], others, "push negative candidates");
    }

    [Theory]
    [MemberData(nameof(RandomDistance))]
    public void Random_distance_weights_match_the_original_given_its_label_permutation(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        var anchors = BatchMasks.Indices(BatchMasks.HasPositive(sameClass));
        Assert.Equal(Longs(fixture["expect.anchors"]), anchors);
        AssertMask(fixture["expect.positive_candidates"], BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors), "positive candidates");
        var weights = RandomDistanceMiner.NegativeWeights(fixture["input.x"], sameClass, anchors, fixture.Double("miner_distance_lower_cutoff"));
        TensorAssert.Close(fixture["expect.negative_weights"], weights, fixture.Tolerance, "inverse sphere weights");
    }

    [Theory]
    [MemberData(nameof(Parametric))]
    public void Parametric_distribution_and_weights_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Miners.Load(name);
        using var scope = NewDisposeScope();
        var limits = fixture.Entry["miner_parametric_support_lim"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var miner = new ParametricMiner(new ParametricMinerOptions
        {
            Mode = fixture.Get<string>("miner_parametric_mode"),
            NSupport = fixture.Get<int>("miner_parametric_n_support"),
            SupportLim = limits,
        });
        TensorAssert.Close(fixture["expect.sample_distr"], tensor(miner.Distribution), fixture.Tolerance, "distribution over distance bins");
        var sameClass = BatchMasks.SameClass(fixture["input.labels"]);
        var anchors = BatchMasks.Indices(BatchMasks.HasPositive(sameClass));
        Assert.Equal(Longs(fixture["expect.anchors"]), anchors);
        AssertMask(fixture["expect.positive_candidates"], BatchMasks.Rows(BatchMasks.WithoutSelf(sameClass), anchors), "positive candidates");
        TensorAssert.Close(fixture["expect.negative_weights"], miner.NegativeWeights(fixture["input.x"], sameClass, anchors), fixture.Tolerance, "negative weights");
    }

    internal static long[] Longs(Tensor values) => values.to(int64).data<long>().ToArray();

    internal static void AssertMask(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var differing = expected.to(ScalarType.Bool).cpu().logical_xor(actual.to(ScalarType.Bool).cpu());
        var count = differing.sum().item<long>();
        Assert.True(count == 0, $"{what}: {count} entries differ from the original's, first at {(count > 0 ? string.Join(",", differing.nonzero()[0].data<long>().ToArray()) : "")}.");
    }
}
