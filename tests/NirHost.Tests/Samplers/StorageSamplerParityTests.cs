using NirHost.Plugins.Samplers;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Samplers;

/// <summary>
/// The selection step of the storage samplers against the original's code on fixed embeddings
/// (fixtures/own-samplers): coreset picks, D2 sampling probabilities, batch-matching costs and choices.
/// </summary>
public sealed class StorageSamplerParityTests
{
    public static TheoryData<string> Greedy => OwnFixtures.Samplers.OfKind("sampler_greedy_coreset");
    public static TheoryData<string> D2 => OwnFixtures.Samplers.OfKind("sampler_d2_coreset");
    public static TheoryData<string> Fid => OwnFixtures.Samplers.OfKind("sampler_fid_batchmatch");
    public static TheoryData<string> DistHist => OwnFixtures.Samplers.OfKind("sampler_disthist_batchmatch");

    [Theory]
    [MemberData(nameof(Greedy))]
    public void Greedy_coreset_picks_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Samplers.Load(name);
        using var scope = NewDisposeScope();
        var points = fixture["input.points"];
        var offered = new List<int[]>();
        var picks = GreedyCoresetSampler.Select(points, fixture.Get<int>("count"), fixture.Get<int>("first"),
            fixture.Get<bool>("softened") ? candidates => { offered.Add(candidates); return candidates[candidates.Length / 2]; } : null);
        Assert.Equal(fixture["expect.picks"].data<long>().ToArray().Select(i => (int)i), picks);
        if (fixture.Get<bool>("softened"))
        {
            var expected = fixture["expect.softened_candidates"];
            Assert.Equal(expected.shape[0], offered.Count);
            for (var k = 0; k < offered.Count; k++)
            {
                Assert.Equal(expected[k].nonzero().reshape(-1).data<long>().ToArray().Select(i => (int)i), offered[k]);
            }
        }
        else
        {
            // The defining property: every later pick is a point farthest from those picked before it.
            var squared = (points.unsqueeze(1) - points.unsqueeze(0)).square().sum(2);
            for (var k = 1; k < picks.Length; k++)
            {
                var nearest = squared.index_select(1, tensor(picks[..k].Select(p => (long)p).ToArray())).min(1).values;
                Assert.Equal(nearest.max().item<double>(), nearest[picks[k]].item<double>(), 12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(D2))]
    public void D2_coreset_probabilities_and_picks_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Samplers.Load(name);
        using var scope = NewDisposeScope();
        var steps = new List<double[]>();
        var picks = D2CoresetSampler.Select(fixture["input.points"], fixture.Get<int>("count"), fixture["input.anchor"],
            fixture.Double("data_d2_coreset_lambda"), p =>
            {
                steps.Add(p);
                return Array.IndexOf(p, p.Max());
            });
        Assert.Equal(fixture["expect.picks"].data<long>().ToArray().Select(i => (int)i), picks);
        var expected = fixture["expect.probabilities"];
        Assert.Equal(expected.shape[0], steps.Count);
        for (var k = 0; k < steps.Count; k++)
        {
            var row = expected[k];
            var taken = picks[..(k + 1)];
            var positions = Enumerable.Range(0, (int)row.shape[0]).Where(i => !taken.Contains(i)).Select(i => (long)i).ToArray();
            // Gaussian densities through a Cholesky solve instead of scipy's eigendecomposition: 1e-6 relative.
            TensorAssert.Close(row.index_select(0, tensor(positions)), tensor(steps[k]), 1e-6, $"step {k} probabilities");
        }
    }

    [Theory]
    [MemberData(nameof(Fid))]
    [MemberData(nameof(DistHist))]
    public void Batch_matching_costs_and_choice_match_the_original(string name)
    {
        using var fixture = OwnFixtures.Samplers.Load(name);
        using var scope = NewDisposeScope();
        var labels = fixture["input.labels"].data<long>().ToArray().Select(l => (int)l).ToArray();
        var setup = TestSetups.Create(batchSize: fixture.Get<int>("bs"), samplesPerClass: fixture.Get<int>("samples_per_class"));
        var options = new StorageSamplerOptions { BigBatchSize = fixture.Get<int>("data_batchmatch_bigbs") };
        BatchMatchSampler sampler = fixture.Get<string>("kind") == "sampler_fid_batchmatch"
            ? new FidBatchMatchSampler(new(labels), setup, options)
            : new DistHistBatchMatchSampler(new(labels), setup, options);
        var bigBatch = fixture["input.bigbatch"];
        var cost = sampler.CostAgainst(fixture["input.storage"].index_select(0, bigBatch));
        var candidates = fixture["input.candidates"];
        var costs = Enumerable.Range(0, (int)candidates.shape[0])
            .Select(c => cost([.. candidates[c].data<long>().ToArray().Select(i => (int)i)])).ToArray();
        // FID's matrix square root is taken through a symmetric eigendecomposition rather than scipy's sqrtm.
        var tolerance = fixture.Get<string>("kind") == "sampler_fid_batchmatch" ? 1e-6 : 1e-9;
        TensorAssert.Close(fixture["expect.costs"], tensor(costs), tolerance, "candidate costs");
        var best = Array.IndexOf(costs, costs.Min());
        Assert.Equal(fixture["expect.batch"].data<long>().ToArray(),
            bigBatch.index_select(0, candidates[best]).data<long>().ToArray());
    }
}
