using System.Text.Json.Nodes;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary><c>nirhost evaluate</c>: metrics of a safetensors file as JSON, and clear errors for bad files.</summary>
public sealed class EvaluateCommandTests
{
    private static string WriteFile(TempFolder folder, Dictionary<string, Tensor> tensors)
    {
        var path = Path.Combine(folder.Path, "embeddings.safetensors");
        SafeTensorsFile.Write(path, tensors);
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        return path;
    }

    private static Dictionary<string, Tensor> Clustered(int classes = 6, int perClass = 20, int dim = 8)
    {
        random.manual_seed(7);
        var labels = arange(classes, dtype: int64).repeat_interleave(perClass);
        var centres = randn(classes, dim) * 2;
        var embeddings = centres.index_select(0, labels) + randn(classes * perClass, dim);
        // Labels need not be 0..C-1 in a file.
        return new() { ["embeddings"] = embeddings.to(float32), ["labels"] = labels * 10 + 3 };
    }

    private static JsonObject Evaluate(params string[] args)
    {
        using var output = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(HostHarness.Catalog, args, output));
        return JsonNode.Parse(output.ToString())!.AsObject();
    }

    [Fact]
    public void Prints_the_requested_metrics_as_json_equal_to_the_evaluator()
    {
        using var folder = new TempFolder();
        var path = WriteFile(folder, Clustered());

        var json = Evaluate("--embeddings", path, "--evaluation_metrics", "e_recall@1", "c_recall@2", "mAP@R", "dists@intra");

        Assert.Equal(["c_recall@2", "dists@intra", "e_recall@1", "mAP@R"], json.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        using var data = EvaluateCommand.Load(path);
        var direct = MetricFactory.Evaluate(data, "e_recall@1", "c_recall@2", "mAP@R", "dists@intra");
        foreach (var (name, value) in direct)
        {
            Assert.Equal(value, json[name]!.GetValue<double>());
        }
        Assert.InRange(json["e_recall@1"]!.GetValue<double>(), 0.5, 1.0);
    }

    [Fact]
    public void Without_evaluation_metrics_it_computes_the_original_defaults()
    {
        using var folder = new TempFolder();
        var path = WriteFile(folder, Clustered());

        var json = Evaluate("--embeddings", path);

        Assert.Equal(new EvaluationOptions().EvaluationMetrics.Order(StringComparer.Ordinal), json.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        Assert.InRange(json["nmi"]!.GetValue<double>(), 0.3, 1.0);
        Assert.InRange(json["f1"]!.GetValue<double>(), 0.1, 1.0);
    }

    public static TheoryData<string, string[]> BadFiles => new()
    {
        { "no_labels", ["has no tensor 'labels'", "embeddings"] },
        { "mismatched", ["120 embeddings but 119 labels"] },
        { "nan", ["NaN or infinite", "row 5"] },
        { "one_class", ["1 class", "at least two"] },
        { "label_floats", ["'labels' is Float32"] },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_is_a_clear_error_naming_it(string problem, string[] expectedParts)
    {
        using var folder = new TempFolder();
        var tensors = Clustered();
        switch (problem)
        {
            case "no_labels":
                tensors.Remove("labels", out var removed);
                removed!.Dispose();
                break;
            case "mismatched":
                tensors["labels"] = tensors["labels"].narrow(0, 0, 119);
                break;
            case "nan":
                tensors["embeddings"][5, 2] = tensor(float.NaN);
                break;
            case "one_class":
                tensors["labels"] = zeros_like(tensors["labels"]);
                break;
            case "label_floats":
                tensors["labels"] = tensors["labels"].to(float32);
                break;
        }
        var path = WriteFile(folder, tensors);

        var error = Assert.Throws<InvalidDataException>(() => Evaluate("--embeddings", path, "--evaluation_metrics", "e_recall@1"));

        Assert.Contains(path, error.Message);
        foreach (var part in expectedParts)
        {
            Assert.Contains(part, error.Message);
        }
    }

    [Fact]
    public void Missing_file_unknown_metric_and_missing_flag_are_clear_errors()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "absent.safetensors");
        Assert.Contains(missing, Assert.Throws<IOException>(() => Evaluate("--embeddings", missing)).Message);
        var path = WriteFile(folder, Clustered());
        Assert.Contains("no Metric named 'e_recal'", Assert.Throws<CommandLineException>(() => Evaluate("--embeddings", path, "--evaluation_metrics", "e_recal@1")).Message);
        Assert.Contains("--embeddings", Assert.Throws<CommandLineException>(() => Evaluate("--evaluation_metrics", "nmi")).Message);
        var tooDeep = Assert.Throws<InvalidDataException>(() => Evaluate("--embeddings", path, "--evaluation_metrics", "e_recall@500"));
        Assert.Contains(path, tooDeep.Message);
    }
}
