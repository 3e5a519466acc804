using NirHost.Evaluation;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>
/// NirHost's k-means against faiss 1.7.3's on the same points (tests/NirHost.Tests/fixtures/own-kmeans): the same
/// initial centroids, updates and splits give the same centroids bit for bit and the same assignments, so the NMI and
/// F1 that the original reports are reproduced, not only approached.
/// </summary>
public sealed class KMeansParityTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "own-kmeans");

    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("kmeans", Folder);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_centroids_and_assignments_equal_faiss(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry, Folder);
        var k = fixture.Get<int>("k");

        var (centroids, assignments) = KMeans.Fit(fixture["input.points"], k);

        using (centroids)
        {
            var expected = fixture["expect.centroids"].data<float>().ToArray();
            var actual = centroids.data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            var differing = Enumerable.Range(0, expected.Length).Count(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]));
            Assert.True(differing == 0, $"{entry}: {differing} of {expected.Length} centroid values differ from faiss's");
        }
        var expectedAssignments = fixture["expect.assignments"].data<long>().ToArray().Select(a => (int)a).ToArray();
        Assert.Equal(expectedAssignments, assignments);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_nmi_and_f1_of_the_own_kmeans_equal_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry, Folder);
        using var data = MetricFactory.Data(fixture["input.points"], fixture["input.labels"]);
        Assert.Equal(fixture.Get<int>("k"), data.NumClasses);

        var actual = MetricFactory.Evaluate(data, "nmi", "f1");

        var expected = fixture.Entry["expect"]!;
        Assert.Equal(expected["nmi"]!.GetValue<double>(), actual["nmi"], 1e-12);
        if (expected["f1"] is { } f1)
        {
            Assert.Equal(f1.GetValue<double>(), actual["f1"], 1e-12);
        }
        else
        {
            Assert.True(double.IsNaN(actual["f1"]), $"{entry}: the original's F1 is NaN (0/0), NirHost gave {actual["f1"]}");
        }
    }

    [Fact]
    public void The_generator_is_faiss_17s_mersenne_twister()
    {
        // Values printed by faiss 1.7.3's own RandomGenerator(1235) and rand_perm(10, 1235) on this machine.
        var rng = new FaissRandom(1235);
        Assert.Equal([83, 954, 722], new[] { rng.NextBelow(1000), rng.NextBelow(1000), rng.NextBelow(1000) });
        Assert.Equal(0.7910109162330627f, rng.NextFloat());
        Assert.Equal([3, 2, 4, 9, 0, 7, 1, 5, 6, 8], FaissRandom.Permutation(10, 1235));
    }

    [Fact]
    public void The_empty_cluster_fixture_really_splits_clusters()
    {
        // Guards the fixture set: without an entry whose clusters go empty, the splitting would go untested.
        var manifest = ReferenceFixtures.ManifestOf(Folder);
        Assert.Contains(manifest, pair => pair.Value!["kind"]!.GetValue<string>() == "kmeans" && pair.Value["splits"]!.GetValue<int>() > 0);
    }
}
