using NirHost.Tests.Support;

namespace NirHost.Tests.Evaluation;

/// <summary>Every metric of a `kind: metrics` reference fixture against the original's values on the same features.</summary>
public sealed class MetricParityTests
{
    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("metrics");

    /// <summary>
    /// Recall and mAP to 1e-9, as the issue asks. mAP over 1000 neighbours depends on the order of scores closer than
    /// float32 rounding (the fixture holds neighbour pairs 2e-10 apart in float64: exact distances give mAP_1000
    /// 0.0792540468, 2.2e-8 off), so the search rounds every score as faiss does (<see cref="NirHost.Evaluation.FaissArithmetic"/>). It then
    /// equals faiss 1.7.3 with OpenBLAS on this machine to 1e-15 (mAP_1000 0.07925402438409702, c_mAP_1000
    /// 0.10238347336197672). The fixture says 0.07925402514 and 0.10238347406: 7.6e-10 and 7.0e-10 away, one near-tie
    /// ordered differently by the faiss build that made it. That is within 1e-9 but leaves little room: a fixture made
    /// on another build can differ by more, which no choice of rounding here could follow.
    /// </summary>
    public const double RankingTolerance = 1e-9;

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_recall_and_map_equal_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        var expected = fixture.Entry["expect"]!.AsObject()
            .Where(pair => pair.Key.Contains("recall@", StringComparison.Ordinal) || pair.Key.Contains("mAP", StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key, pair => pair.Value!.GetValue<double>());
        Assert.Contains("mAP_1000", expected.Keys);
        Assert.Contains("c_recall@1", expected.Keys);
        using var data = MetricFactory.Data(fixture["input.features"], fixture["input.labels"]);

        var actual = MetricFactory.Evaluate(data, [.. expected.Keys]);

        foreach (var (name, value) in expected)
        {
            var tolerance = name.Contains("mAP", StringComparison.Ordinal) ? RankingTolerance : 1e-9;
            Assert.True(Math.Abs(actual[name] - value) <= tolerance, $"{entry} {name}: expected {value:R}, got {actual[name]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_nmi_and_f1_from_the_original_clusters_equal_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        using var data = MetricFactory.Data(fixture["input.features"], fixture["input.labels"]);
        data.UseClustering(cosine: false, fixture["input.centroids"], fixture["input.cluster_labels"].to(TorchSharp.torch.int32).data<int>().ToArray());

        var actual = MetricFactory.Evaluate(data, "nmi", "f1");

        var expected = fixture.Entry["expect"]!;
        Assert.Equal(expected["nmi_given_clusters"]!.GetValue<double>(), actual["nmi"], 1e-9);
        Assert.Equal(expected["f1_given_clusters"]!.GetValue<double>(), actual["f1"], 1e-9);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_nmi_and_f1_of_the_own_kmeans_equal_the_original(string entry)
    {
        // The fixture's clusters are faiss's; NirHost's k-means reproduces faiss's (KMeansParityTests), so its own
        // clustering gives the original's NMI and F1, not values near them.
        using var fixture = ReferenceFixtures.Load(entry);
        using var data = MetricFactory.Data(fixture["input.features"], fixture["input.labels"]);

        var actual = MetricFactory.Evaluate(data, "nmi", "f1");

        var expected = fixture.Entry["expect"]!;
        Assert.Equal(expected["nmi_given_clusters"]!.GetValue<double>(), actual["nmi"], 1e-9);
        Assert.Equal(expected["f1_given_clusters"]!.GetValue<double>(), actual["f1"], 1e-9);
    }
}
