using System.Globalization;
using BenchmarkDotNet.Attributes;
using NirHost.Host.Evaluation;
using NirHost.Host.IO;
using NirHost.Host.Reporting.Reports;
using NirHost.Host.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// <c>nirhost report</c> over a sweep at the scale the issue sets: 100 runs (10 configurations x 10 seeds) of 100 epochs,
/// each with six test metrics per epoch (half the configurations also validated), training loss and two learning rates,
/// CUB200-sized test embeddings (5,924 x 128, 100 classes) and a retrieval figure of the size a run draws (460 x 1160 PNG, with
/// its half-size JPEG preview).
/// Measured: finding and reading the runs, the tables, every figure, rendering the HTML and writing it.
/// </summary>
[MemoryDiagnoser]
public class ReportBenchmark
{
    public const int Configurations = 10;
    public const int Seeds = 10;
    public const int Epochs = 100;
    private const int TestSamples = 5924;
    private const int Dim = 128;
    private const int Classes = 100;
    private static readonly string[] Metrics = ["e_recall@1", "e_recall@2", "e_recall@4", "e_recall@8", "nmi", "f1"];

    private string _root = "";

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "nirhost-report-benchmark-" + Guid.NewGuid().ToString("N"));
        // As the report command does: runs are projected in parallel, each on one libtorch thread.
        set_num_threads(1);
        var figure = RetrievalPng();
        var preview = Preview(figure);
        for (var configuration = 0; configuration < Configurations; configuration++)
        {
            for (var seed = 0; seed < Seeds; seed++)
            {
                WriteRun(Path.Combine(_root, "runs", $"config{configuration}_s{seed}"), configuration, seed, figure, preview);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Description = "report: 100 runs x 100 epochs to one HTML file")]
    public long Report()
    {
        var report = RunReport.Load([_root]);
        var html = HtmlReport.Render(report);
        var path = Path.Combine(_root, "report.html");
        File.WriteAllText(path, html);
        return new FileInfo(path).Length;
    }

    /// <summary>How many runs the last report shows in full, to see that it shows them all.</summary>
    public int RunSections() => System.Text.RegularExpressions.Regex.Count(File.ReadAllText(Path.Combine(_root, "report.html")), "<section class=\"run\"");

    private static void WriteRun(string folder, int configuration, int seed, byte[] figure, byte[] preview)
    {
        Directory.CreateDirectory(Path.Combine(folder, "CSV_Logs"));
        var random = new Random(configuration * 1000 + seed);
        var validated = configuration % 2 == 0;
        var summary = new RunSummary { RunFolder = folder, Status = RunStatus.Completed, Epochs = Epochs, WallTimeSeconds = 3600 + seed };
        var test = new List<string> { string.Join(',', ["epochs", .. Metrics]) };
        var validation = new List<string> { test[0] };
        var train = new List<string> { "epochs,loss,time" };
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            var level = 0.4 + 0.3 * (1 - Math.Exp(-epoch / 20.0)) + 0.005 * configuration;
            var values = Metrics.ToDictionary(m => m, _ => level + 0.02 * random.NextDouble());
            summary.Record("Test", epoch, values);
            test.Add(Row(epoch, values.Values));
            if (validated)
            {
                var checks = Metrics.ToDictionary(m => m, _ => level + 0.02 * random.NextDouble());
                summary.Record("Val", epoch, checks);
                validation.Add(Row(epoch, checks.Values));
            }
            var loss = 10 * Math.Exp(-epoch / 30.0) + random.NextDouble();
            summary.TrainLoss.Add(loss);
            train.Add(Row(epoch, [loss, 35.0]));
            summary.RecordLearningRates([("model", 1e-5 * (epoch < 60 ? 1 : 0.3)), ("proxies", 4e-3 * (epoch < 60 ? 1 : 0.3))]);
        }
        File.WriteAllText(Path.Combine(folder, "summary.json"), summary.ToJson());
        File.WriteAllText(Path.Combine(folder, "CSV_Logs", "Data_Test.csv"), string.Join('\n', test) + "\n");
        if (validated)
        {
            File.WriteAllText(Path.Combine(folder, "CSV_Logs", "Data_Val.csv"), string.Join('\n', validation) + "\n");
        }
        File.WriteAllText(Path.Combine(folder, "CSV_Logs", "Data_Train.csv"), string.Join('\n', train) + "\n");
        var flags = new Dictionary<string, string>
        {
            ["dataset"] = "cub200", ["loss"] = configuration < 5 ? "oproxy" : "nir", ["lr"] = (1e-5 * (1 + configuration % 5)).ToString("R", CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture), ["n_epochs"] = "100", ["use_tv_split"] = validated ? "True" : "False",
        };
        File.WriteAllText(Path.Combine(folder, RunConfigFile.FileName), new RunConfigFile { Command = "nirhost ...", Flags = flags }.ToJson());
        File.WriteAllBytes(Path.Combine(folder, RetrievalFigure.FileName), figure);
        File.WriteAllBytes(Path.Combine(folder, RetrievalFigure.PreviewFileName), preview);
        using var scope = NewDisposeScope();
        manual_seed(configuration * 1000 + seed);
        var labels = arange(TestSamples, dtype: ScalarType.Int64) % Classes;
        var embeddings = nn.functional.normalize(randn(Classes, Dim).index_select(0, labels) + randn(TestSamples, Dim), dim: 1);
        SafeTensorsFile.Write(Path.Combine(folder, TestEmbeddingsFile.FileName), new Dictionary<string, Tensor> { ["embeddings"] = embeddings, ["labels"] = labels });
    }

    private static string Row(int epoch, IEnumerable<double> values) =>
        string.Join(',', [epoch.ToString(CultureInfo.InvariantCulture), .. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);

    /// <summary>The half-size JPEG a run writes beside its figure.</summary>
    private static byte[] Preview(byte[] png)
    {
        using var original = SKBitmap.Decode(png);
        using var scaled = original.Resize(new SKImageInfo(original.Width / 2, original.Height / 2), new SKSamplingOptions(SKFilterMode.Linear));
        using var image = SKImage.FromBitmap(scaled);
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 85);
        return jpeg.ToArray();
    }

    /// <summary>A figure as large as a run's: 460 x 1160 of noisy tiles, which compresses as badly as photographs.</summary>
    private static byte[] RetrievalPng()
    {
        var random = new Random(1);
        using var bitmap = new SKBitmap(460, 1160);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)(x / 2), (byte)(y / 5)));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
