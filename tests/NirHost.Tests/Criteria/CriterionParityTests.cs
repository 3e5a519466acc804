using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Shared;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>
/// Every criterion against the original's outputs: each entry of fixtures/own (produced by running the original
/// criterion on float64 inputs, with the original miner's tuples stored as inputs) and the reference
/// multisimilarity fixture. Loss and the gradients of the embeddings and of every parameter must agree to 1e-8
/// relative to their scale.
/// </summary>
public sealed class CriterionParityTests
{
    public static TheoryData<string> OwnEntries
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in ReferenceFixtures.ManifestOf(ReferenceFixtures.OwnFolder).Select(pair => pair.Key).Order(StringComparer.Ordinal))
            {
                data.Add(name);
            }
            return data;
        }
    }

    public static TheoryData<string> ReferenceMultisimilarity => ReferenceFixtures.OfKind("multisimilarity");

    [Theory]
    [MemberData(nameof(OwnEntries))]
    public void Parity_loss_and_gradients_match_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry, ReferenceFixtures.OwnFolder);
        Check(fixture);
    }

    [Theory]
    [MemberData(nameof(ReferenceMultisimilarity))]
    public void Parity_multisimilarity_matches_the_reference_fixture(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        Check(fixture);
    }

    [Fact]
    public void Parity_fixtures_cover_every_criterion_with_two_settings_or_more()
    {
        var kinds = ReferenceFixtures.ManifestOf(ReferenceFixtures.OwnFolder)
            .GroupBy(pair => pair.Value!["kind"]!.GetValue<string>())
            .ToDictionary(group => group.Key, group => group.Count());
        string[] expected = ["angular", "arcface", "contrastive", "histogram", "lifted", "margin", "multisimilarity", "npair",
            "proxynca", "quadruplet", "s2sd", "snr", "softmax", "softtriplet", "triplet"];
        Assert.Equal(expected, kinds.Keys.Order(StringComparer.Ordinal));
        Assert.All(kinds, kind => Assert.True(kind.Value >= 2, $"{kind.Key} has only {kind.Value} fixture"));
    }

    private static void Check(ReferenceFixture fixture)
    {
        using var scope = NewDisposeScope();
        var kind = fixture.Get<string>("kind");
        var entry = fixture.Entry;
        var setup = TestSetups.Create(embedDim: fixture.Get<int>("embed_dim"), numClasses: entry["n_classes"]?.GetValue<int>() ?? 4);
        var x = fixture["input.x"].clone().requires_grad_(true);
        var labels = fixture["input.labels"].to(int64);
        // The miner each tuple criterion is built with, as the host passes it to the constructor.
        IBatchMiner? miner = kind switch
        {
            // The original npair miner's sets: the stored anchors and positives, every other-class sample as negative.
            "npair" or "angular" => new FixedMiner(Triplets(fixture), NPairSets(fixture, labels)),
            // The lifted miner draws nothing: the host's own reproduces the original's sets.
            "lifted" => new NirHost.Plugins.BatchMiners.LiftedMiner(),
            _ => fixture.Tensors.ContainsKey("input.anchors") ? new FixedMiner(Triplets(fixture)) : null,
        };
        Tensor? pooled = null;

        Criterion criterion = kind switch
        {
            "triplet" => new TripletCriterion(FixtureOptions.Bind<TripletOptions>(entry), miner!),
            "contrastive" => new ContrastiveCriterion(FixtureOptions.Bind<ContrastiveOptions>(entry), miner!),
            "margin" => new MarginCriterion(FixtureOptions.Bind<MarginOptions>(entry), setup, miner!),
            "snr" => new SnrCriterion(FixtureOptions.Bind<SnrOptions>(entry), miner!),
            "quadruplet" => new QuadrupletCriterion(FixtureOptions.Bind<QuadrupletOptions>(entry), miner!),
            // Entries made with another backbone than the default resnet50 name it: npair scales BN-Inception embeddings.
            "npair" => new NPairCriterion(FixtureOptions.Bind<NPairOptions>(entry), setup with { ArchitectureName = entry["arch"]?.GetValue<string>() ?? "resnet50" }, miner!),
            "angular" => new AngularCriterion(FixtureOptions.Bind<AngularOptions>(entry), miner!),
            "lifted" => new LiftedCriterion(FixtureOptions.Bind<LiftedOptions>(entry), miner!),
            "multisimilarity" => new MultisimilarityCriterion(FixtureOptions.Bind<MultisimilarityOptions>(entry)),
            "softmax" => new SoftmaxCriterion(FixtureOptions.Bind<SoftmaxOptions>(entry), setup),
            "arcface" => new ArcFaceCriterion(FixtureOptions.Bind<ArcFaceOptions>(entry), setup),
            "proxynca" => new ProxyNcaCriterion(FixtureOptions.Bind<ProxyNcaOptions>(entry), setup),
            "softtriplet" => new SoftTripletCriterion(FixtureOptions.Bind<SoftTripletOptions>(entry), setup),
            "histogram" => new HistogramCriterion(FixtureOptions.Bind<HistogramOptions>(entry)),
            "s2sd" => new S2sdCriterion(FixtureOptions.Bind<S2sdOptions>(entry), setup with { PenultimateDim = fixture.Get<int>("pooled_dim") },
                new MultisimilarityFactory(FixtureOptions.Bind<MultisimilarityOptions>(entry))),
            _ => throw new InvalidOperationException($"Fixture {fixture.Name} has kind '{kind}', which this test does not know."),
        };
        using var _ = criterion;
        criterion.to(float64);
        var parameters = criterion.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter);
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                parameter.copy_(fixture["param." + name]);
            }
        }
        Tensor? featureMaps = null;
        if (kind == "s2sd")
        {
            // Entries run with --loss_s2sd_pool_aggr store the unpooled maps instead; the plain average goes along as
            // the pooled features, as the training loop hands them, and must not be what the branches see.
            if (fixture.Tensors.ContainsKey("input.features"))
            {
                featureMaps = fixture["input.features"].clone().requires_grad_(true);
                pooled = featureMaps.detach().mean([2, 3]);
            }
            else
            {
                pooled = fixture["input.pooled"].clone().requires_grad_(true);
            }
        }

        Tensor loss;
        if (kind == "quadruplet")
        {
            // The fourth samples are the original's random draws, stored with the fixture.
            using var tuples = new MinedTuples(Triplets(fixture), x.device);
            loss = QuadrupletCriterion.Compute(x, tuples, fixture["input.fourth"], FixtureOptions.Bind<QuadrupletOptions>(entry));
        }
        else
        {
            loss = criterion.forward(new CriterionBatch(x, labels) { PooledFeatures = pooled, FeatureMaps = featureMaps });
        }
        loss.backward();

        TensorAssert.Close(fixture["expect.loss"], loss, fixture.Tolerance, $"{fixture.Name} loss");
        TensorAssert.Close(fixture["expect.grad.x"], x.grad!, fixture.Tolerance, $"{fixture.Name} grad x");
        if (featureMaps is not null)
        {
            TensorAssert.Close(fixture["expect.grad.features"], featureMaps.grad!, fixture.Tolerance, $"{fixture.Name} grad features");
        }
        else if (pooled is not null)
        {
            TensorAssert.Close(fixture["expect.grad.pooled"], pooled.grad!, fixture.Tolerance, $"{fixture.Name} grad pooled");
        }
        var expectedParameters = fixture.Tensors.Keys.Where(key => key.StartsWith("param.", StringComparison.Ordinal)).Select(key => key[6..]).Order().ToList();
        Assert.Equal(expectedParameters, parameters.Keys.Order().ToList());
        foreach (var (name, parameter) in parameters)
        {
            TensorAssert.Close(fixture["expect.grad." + name], parameter.grad!, GradientTolerance(fixture, name), $"{fixture.Name} grad {name}");
        }
    }

    /// <summary>
    /// The original margin loss casts beta to float32 inside its forward, so its beta gradient carries float32
    /// rounding even on float64 inputs; everything else is compared at the fixture's float64 tolerance.
    /// </summary>
    private static double GradientTolerance(ReferenceFixture fixture, string parameter) =>
        fixture.Get<string>("kind") == "margin" && parameter == "beta" ? 1e-6 : fixture.Tolerance;

    private static MinedTriplets Triplets(ReferenceFixture fixture)
    {
        long[] Read(string key) => fixture.Tensors.TryGetValue(key, out var t) ? t.to(int64).data<long>().ToArray() : [];
        return new MinedTriplets(Read("input.anchors"), Read("input.positives"), Read("input.negatives"));
    }

    private static MinedSets NPairSets(ReferenceFixture fixture, Tensor labels)
    {
        var anchors = fixture["input.anchors"].to(int64);
        var positives = nn.functional.one_hot(fixture["input.positives"].to(int64), labels.shape[0]).to(ScalarType.Bool);
        var negatives = labels.index_select(0, anchors).unsqueeze(1).ne(labels.unsqueeze(0));
        return new MinedSets(anchors.data<long>().ToArray(), positives, negatives);
    }

    private sealed class MultisimilarityFactory(MultisimilarityOptions options) : ICriterionFactory
    {
        public Criterion Create(string name, TrainingSetup setup, string flag)
        {
            Assert.Equal("multisimilarity", name);
            return new MultisimilarityCriterion(options);
        }
    }
}
