using System.Text.Json.Nodes;
using NirHost.Evaluation;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Evaluation;
using NirHost.Host.IO;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>
/// Queries searched against a separate gallery (<see cref="QueryGalleryEvaluationData"/>, <c>nirhost evaluate --query --gallery</c>):
/// metrics of a fixture computed by hand, the search against the self-search, and the command's errors.
/// </summary>
public sealed class QueryGalleryEvaluationTests
{
    // The fixture: 2-D points whose squared distances are exact in float32, so that the rankings below are the real ones.
    // Gallery (class letters; values in the files are A=10, B=11, C=12, D=13):
    //   g0 (0, 0) A   g1 (1, 0) A   g2 (0, 3) B   g3 (0, 4) B   g4 (5, 0) C   g5 (6, 0) A   g6 (0, -2) C   g7 (10, 10) D
    //   gallery counts: A 3, B 2, C 2, D 1 (no query is D).
    // Queries:
    //   q0 (0.25, 0) A: squared distances g0 .0625, g1 .5625, g6 4.0625, g2 9.0625, g3 16.0625, g4 22.5625, g5 33.0625, g7 195.0625
    //       ranking A A C B B C A D: own class at ranks 1, 2, 7; R = 3.
    //   q1 (0, 3.5) B: g2 .25 and g3 .25 (a tie: lower index first), g0 12.25, g1 13.25, g6 30.25, g4 37.25, g5 48.25, g7 142.25
    //       ranking B B A A C C A D: own class at ranks 1, 2; R = 2.
    //   q2 (3, 0) C: g1 4 and g4 4 (tie: g1 first), g0 9 and g5 9 (tie: g0 first), g6 13, g2 18, g3 25, g7 149
    //       ranking A C A A C B B D: own class at ranks 2, 5; R = 2. (Were ties broken the other way, g4 would be first: a hit.)
    //   q3 (9, 9) E = 14: no gallery sample of its class, so a miss everywhere.
    // recall@1: q0 1, q1 1, q2 0, q3 0                            -> 2/4 = 0.5
    // recall@2: 1, 1, 1, 0                                         -> 3/4 = 0.75
    // R-precision (hits among the first R over R): 2/3, 2/2, 1/2, 0 -> (2/3 + 1 + 1/2) / 4 = 13/24
    // MAP@R (precision at each hit within R, over R):
    //   q0 (1/1 + 2/2) / 3 = 2/3; q1 (1 + 1) / 2 = 1; q2 (1/2) / 2 = 1/4; q3 0 -> (2/3 + 1 + 1/4) / 4 = 23/48
    // mAP_c (the original's, its class frequency the gallery's count, cut off there): the same here, 23/48.
    // mAP_1000 (all hits, over the gallery count): q0 (1 + 1 + 3/7) / 3 = 17/21; q1 1; q2 (1/2 + 2/5) / 2 = 9/20; q3 0
    //   -> (17/21 + 1 + 9/20) / 4 = 949/1680
    private static readonly float[,] GalleryPoints = { { 0, 0 }, { 1, 0 }, { 0, 3 }, { 0, 4 }, { 5, 0 }, { 6, 0 }, { 0, -2 }, { 10, 10 } };
    private static readonly long[] GalleryLabels = [10, 10, 11, 11, 12, 10, 12, 13];
    private static readonly float[,] QueryPoints = { { 0.25f, 0 }, { 0, 3.5f }, { 3, 0 }, { 9, 9 } };
    private static readonly long[] QueryLabels = [10, 11, 12, 14];

    private static QueryGalleryEvaluationData Fixture()
    {
        using var queries = tensor(QueryPoints);
        using var gallery = tensor(GalleryPoints);
        return new QueryGalleryEvaluationData(queries, QueryLabels, gallery, GalleryLabels);
    }

    public static TheoryData<string, double> HandComputed => new()
    {
        { "e_recall@1", 0.5 },
        { "e_recall@2", 0.75 },
        { "r_precision", 13.0 / 24 },
        { "mAP@R", 23.0 / 48 },
        { "mAP_c", 23.0 / 48 },
        { "mAP_1000", 949.0 / 1680 },
    };

    [Theory]
    [MemberData(nameof(HandComputed))]
    public void Metrics_of_the_fixture_are_the_hand_computed_ones(string metric, double expected)
    {
        using var data = Fixture();
        var value = new Evaluator([MetricFactory.Create(metric)]).Compute(data)[metric];
        Assert.Equal(expected, value, 12);
    }

    [Fact]
    public void Every_in_repo_metric_computes_a_value_in_its_range_on_query_gallery_data()
    {
        random.manual_seed(3);
        using var centres = randn(5, 8) * 3;
        var queryLabels = Enumerable.Range(0, 40).Select(i => (long)(i % 5)).ToArray();
        var galleryLabels = Enumerable.Range(0, 60).Select(i => (long)(i % 5)).ToArray();
        using var queries = centres.index_select(0, tensor(queryLabels)) + randn(40, 8);
        using var gallery = centres.index_select(0, tensor(galleryLabels)) + randn(60, 8);
        using var data = new QueryGalleryEvaluationData(queries, queryLabels, gallery, galleryLabels);
        string[] names = ["e_recall@1", "c_recall@4", "nmi", "f1", "c_nmi", "c_f1", "mAP_1000", "c_mAP_1000", "mAP_lim", "c_mAP_lim",
            "mAP_c", "c_mAP_c", "mAP@R", "r_precision", "dists@intra", "dists@inter", "dists@intra_over_inter", "rho_spectrum@1@embeds"];

        var results = new Evaluator([.. names.Select(MetricFactory.Create)]).Compute(data);

        foreach (var name in names)
        {
            var attribute = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<NirHost.Abstractions.MetricAttribute>(MetricFactory.Create(name).GetType())!;
            Assert.True(double.IsFinite(results[name]), $"{name} is {results[name]}");
            Assert.InRange(results[name], attribute.Minimum, attribute.Maximum);
        }
        // Separated classes: every query finds its class first, and nearly all relevant gallery samples within R.
        Assert.Equal(1.0, results["e_recall@1"]);
        Assert.InRange(results["mAP@R"], 0.9, 1.0);
    }

    [Fact]
    public void Rankings_are_gallery_samples_with_nothing_dropped_and_ties_broken_as_faiss_does()
    {
        using var data = Fixture();
        var nearest = data.NearestNeighbourIndices(8, cosine: false);
        int[][] expected = [[0, 1, 6, 2, 3, 4, 5, 7], [2, 3, 0, 1, 6, 4, 5, 7], [1, 4, 0, 5, 6, 2, 3, 7]];
        for (var q = 0; q < expected.Length; q++)
        {
            Assert.Equal(expected[q], Enumerable.Range(0, 8).Select(k => nearest[q, k]));
        }
        Assert.Equal([1, 2, 7], data.SameClassRanks(8, cosine: false).Of(0).ToArray());
        Assert.Equal([2, 5], data.SameClassRanks(8, cosine: false).Of(2).ToArray());
        Assert.Empty(data.SameClassRanks(8, cosine: false).Of(3).ToArray());
        // Query classes numbered 0..3 (A, B, C, E); the gallery's D, which no query has, is -1.
        Assert.Equal([0, 0, 1, 1, 2, 0, 2, -1], data.GalleryLabels);
        Assert.Equal([3, 2, 2, 0], data.RelevantCounts);
        Assert.Equal(8, data.RankedCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_set_searched_against_itself_as_gallery_ranks_as_the_self_search_after_the_sample_itself(bool cosine)
    {
        random.manual_seed(11);
        using var embeddings = randn(300, 16);
        var labels = Enumerable.Range(0, 300).Select(i => i % 7).ToArray();
        const int k = 12;
        var self = NeighbourSearch.Search(embeddings, labels, k, 0, cosine).Nearest!;
        var against = QueryGallerySearch.Search(embeddings, embeddings, labels, labels, k + 1, 0, cosine).Nearest!;
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(i, against[i, 0]);
            Assert.Equal(Enumerable.Range(0, k).Select(j => self[i, j]), Enumerable.Range(1, k).Select(j => against[i, j]));
        }
    }

    [Fact]
    public void Search_is_blocked_beyond_one_row_group_and_selects_as_a_full_sort_would()
    {
        random.manual_seed(5);
        using var queries = randn(37, 5);
        using var gallery = randn(211, 5);
        var queryLabels = Enumerable.Range(0, 37).Select(i => i % 4).ToArray();
        var galleryLabels = Enumerable.Range(0, 211).Select(i => i % 4).ToArray();
        var result = QueryGallerySearch.Search(queries, gallery, queryLabels, galleryLabels, 9, 40, cosine: false);
        using var distances = cdist(queries.to(float64), gallery.to(float64));
        for (var q = 0; q < 37; q++)
        {
            var order = Enumerable.Range(0, 211).OrderBy(j => distances[q, j].item<double>()).ToArray();
            Assert.Equal(order.Take(9), Enumerable.Range(0, 9).Select(j => result.Nearest![q, j]));
            var ranks = order.Take(40).Select((j, r) => (j, r)).Where(p => galleryLabels[p.j] == queryLabels[q]).Select(p => p.r + 1);
            Assert.Equal(ranks, result.Ranks!.Of(q).ToArray());
        }
    }

    private static string Write(TempFolder folder, string name, float[,] points, long[] labels)
    {
        var path = Path.Combine(folder.Path, name);
        using var embeddings = tensor(points);
        using var labelTensor = tensor(labels);
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["embeddings"] = embeddings, ["labels"] = labelTensor });
        return path;
    }

    [Fact]
    public void Evaluate_with_query_and_gallery_files_prints_the_hand_computed_metrics()
    {
        using var folder = new TempFolder();
        var query = Write(folder, "query.safetensors", QueryPoints, QueryLabels);
        var gallery = Write(folder, "gallery.safetensors", GalleryPoints, GalleryLabels);
        using var output = new StringWriter();

        Assert.Equal(0, EvaluateCommand.Run(HostHarness.Catalog,
            ["--query", query, "--gallery", gallery, "--evaluation_metrics", .. HandComputed.Select(row => (string)row[0])], output));

        var json = JsonNode.Parse(output.ToString())!.AsObject();
        foreach (var row in HandComputed)
        {
            Assert.Equal((double)row[1], json[(string)row[0]]!.GetValue<double>(), 12);
        }
    }

    [Fact]
    public void Evaluate_names_both_files_when_their_dimensions_differ_and_wants_both_flags()
    {
        using var folder = new TempFolder();
        var query = Write(folder, "query.safetensors", QueryPoints, QueryLabels);
        var gallery = Write(folder, "gallery3d.safetensors", new float[,] { { 0, 0, 1 }, { 1, 0, 0 } }, [10, 11]);
        using var output = new StringWriter();

        var error = Assert.Throws<InvalidDataException>(() => EvaluateCommand.Run(HostHarness.Catalog, ["--query", query, "--gallery", gallery], output));
        Assert.Contains(query, error.Message);
        Assert.Contains(gallery, error.Message);
        Assert.Contains("2-dimensional", error.Message);

        Assert.Contains("--gallery", Assert.Throws<CommandLineException>(() => EvaluateCommand.Run(HostHarness.Catalog, ["--query", query], output)).Message);
        Assert.Contains("not both", Assert.Throws<CommandLineException>(
            () => EvaluateCommand.Run(HostHarness.Catalog, ["--embeddings", query, "--query", query, "--gallery", gallery], output)).Message);
    }
}

/// <summary>Training on a dataset with query and gallery splits: the Test results are the queries searched against the gallery.</summary>
public sealed class QueryGalleryTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_test_evaluation_is_the_queries_against_the_gallery_and_evaluate_reproduces_it_from_the_written_embeddings()
    {
        var rows = new List<string> { "path,label,split,is_query,is_gallery" };
        var seed = 0;
        void Add(string label, string split, string query, string gallery, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var name = $"img/{label}_{split}_{query}{gallery}_{i}.png";
                FakeImageTrees.WriteImage(Path.Combine(_folder.Path, name), 20, 20, seed++, SkiaSharp.SKEncodedImageFormat.Png);
                rows.Add($"{name},{label},{split},{query},{gallery}");
            }
        }
        foreach (var label in new[] { "a", "b", "c", "d" })
        {
            Add(label, "train", "", "", 4);
        }
        foreach (var label in new[] { "e", "f", "g" })
        {
            Add(label, "test", "1", "0", 2);
            Add(label, "test", "0", "1", 3);
        }
        var csv = Path.Combine(_folder.Path, "data.csv");
        File.WriteAllLines(csv, rows);

        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path,
            ["--dataset", "folder", "--source_path", csv, "--crop_size", "16", "--bs", "8", "--samples_per_class", "2", "--n_epochs", "1",
             "--evaluation_metrics", "e_recall@1", "e_recall@4", "mAP@R", "--no_train_metrics", "--store_improvements"]));

        var test = summary.Metrics["Test"];
        Assert.Equal(["e_recall@1", "e_recall@4", "mAP@R"], test.Keys.Order(StringComparer.Ordinal));
        var queries = Path.Combine(summary.RunFolder, TestEmbeddingsFile.FileName);
        var gallery = Path.Combine(summary.RunFolder, TestEmbeddingsFile.GalleryFileName);
        using var data = EvaluateCommand.LoadQueryGallery(queries, gallery);
        Assert.Equal(6, data.QueryCount);
        Assert.Equal(9, data.GalleryCount);
        var again = new Evaluator([MetricFactory.Create("e_recall@1"), MetricFactory.Create("e_recall@4"), MetricFactory.Create("mAP@R")]).Compute(data);
        foreach (var (name, value) in again)
        {
            Assert.Equal(value, test[name].Last, 12);
        }
        // Each query's class has 3 gallery samples (R = 3), where a self-search of the 15 test images would count 4 others.
        Assert.Equal([3, 3, 3], data.RelevantCounts);
        Assert.True(File.Exists(Path.Combine(summary.RunFolder, RetrievalFigure.FileName)));
        Assert.True(File.Exists(Path.Combine(summary.RunFolder, "checkpoint_Test_e_recall_1.safetensors")));
    }
}
