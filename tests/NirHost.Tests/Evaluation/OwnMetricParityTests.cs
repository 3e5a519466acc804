using System.Text.Json.Nodes;
using NirHost.Evaluation;
using NirHost.Host.IO;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>
/// Metrics the reference fixtures do not cover (mAP_lim, mAP_c, their cosine variants, c_nmi, c_f1, dists,
/// rho_spectrum, MAP@R, R-precision, and the original's quirks on small, uneven splits) against values from the
/// original metric classes and pytorch-metric-learning's AccuracyCalculator on the same features
/// (fixtures/own-metrics, `kind: metrics`).
/// </summary>
public sealed class OwnMetricParityTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "own-metrics");

    private static JsonObject Manifest => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")))!.AsObject();

    public static TheoryData<string> Entries
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var (name, entry) in Manifest.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                if (entry?["kind"]?.GetValue<string>() == "metrics")
                {
                    data.Add(name);
                }
            }
            return data;
        }
    }

    /// <summary>
    /// Tolerances: rankings equal the original's to 1e-9, scores being rounded as faiss rounds them (see
    /// <see cref="MetricParityTests"/>); the original's rho_spectrum takes singular
    /// values from a float32 randomised SVD (the fixtures keep it exact: components + 10 oversamples cover every
    /// dimension); dists@inter averages class members in float32 there, in float64 here; the rest is float64 arithmetic.
    /// </summary>
    private static double Tolerance(string metric) => metric switch
    {
        _ when metric.StartsWith("dists", StringComparison.Ordinal) => 1e-7,
        _ when metric.StartsWith("rho_spectrum", StringComparison.Ordinal) => 1e-5,
        _ when metric.Contains("mAP", StringComparison.Ordinal) || metric == "r_precision" => MetricParityTests.RankingTolerance,
        _ => 1e-9,
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_every_metric_equals_the_original(string entry)
    {
        var tensors = SafeTensorsFile.Read(Path.Combine(Folder, entry + ".safetensors"));
        try
        {
            var expected = Manifest[entry]!["expect"]!.AsObject().ToDictionary(pair => pair.Key.Replace("_given_clusters", ""), pair => pair.Value!.GetValue<double>());
            var labels = tensors["input.labels"].to(int64).data<long>().ToArray().Select(l => (int)l).ToArray();
            using var data = new EvaluationData(tensors["input.features"], labels, labels.Max() + 1, tensors["input.avg_features"]);
            var centroids = tensors["input.centroids"];
            data.UseClustering(cosine: false, centroids, KMeans.Assign(data.Embeddings, centroids, cosine: false));

            var actual = MetricFactory.Evaluate(data, [.. expected.Keys]);

            var failures = expected
                .Where(pair => !(Math.Abs(actual[pair.Key] - pair.Value) <= Tolerance(pair.Key)))
                .Select(pair => $"{pair.Key}: expected {pair.Value:R}, got {actual[pair.Key]:R}")
                .ToList();
            Assert.True(failures.Count == 0, $"{entry}: " + string.Join("; ", failures));
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Parity_entries_cover_every_metric_and_a_split_with_a_lone_sample()
    {
        var names = Manifest.SelectMany(entry => entry.Value!["expect"]!.AsObject().Select(pair => pair.Key)).ToHashSet();
        foreach (var metric in new[] { "mAP_lim", "c_mAP_lim", "mAP_c", "c_mAP_c", "c_nmi_given_clusters", "c_f1_given_clusters",
            "dists@intra", "dists@inter", "dists@intra_over_inter", "rho_spectrum@2@embeds", "rho_spectrum@2@avg_features", "mAP@R", "r_precision" })
        {
            Assert.Contains(metric, names);
        }
        Assert.Contains(Manifest, entry => entry.Value!["n"]!.GetValue<int>() < 1000);
    }
}
