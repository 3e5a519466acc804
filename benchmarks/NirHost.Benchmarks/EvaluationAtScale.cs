using System.Diagnostics;
using NirHost.Evaluation;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// One evaluation at Stanford Online Products scale (60,502 x 512 embeddings, 11,316 classes of about 5 samples,
/// the original's benchmark metrics), timed once with the process's peak memory: too long for BenchmarkDotNet's
/// repetitions. Run: <c>NirHost.Benchmarks.dll at-scale [samples] [dim] [classes]</c>.
/// </summary>
public static class EvaluationAtScale
{
    public static void Run(string[] args)
    {
        var samples = args.Length > 1 ? int.Parse(args[1]) : 60_502;
        var dim = args.Length > 2 ? int.Parse(args[2]) : 512;
        var classes = args.Length > 3 ? int.Parse(args[3]) : 11_316;
        set_num_threads(2);
        random.manual_seed(0);
        var labels = Enumerable.Range(0, samples).Select(i => i % classes).ToArray();
        using var centres = randn(classes, dim);
        using var embeddings = nn.functional.normalize(
            centres.index_select(0, tensor(labels.Select(l => (long)l).ToArray())) + randn(samples, dim) * 0.9, dim: 1);
        var metrics = new[] { "e_recall@1", "e_recall@2", "e_recall@4", "e_recall@8", "nmi", "f1", "mAP_1000" }
            .Select(EvaluationBenchmark.Create).ToList();
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var clock = Stopwatch.StartNew();
        using var data = new EvaluationData(embeddings, labels, classes);
        var neighbours = Stopwatch.StartNew();
        data.Prepare(new Evaluator(metrics.Where(m => !m.Name.StartsWith("nmi") && m.Name != "f1").ToList()).Needs);
        var searchSeconds = neighbours.Elapsed.TotalSeconds;
        var results = new Evaluator(metrics).Compute(data);
        clock.Stop();
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"{samples} x {dim}, {classes} classes: {clock.Elapsed.TotalSeconds:0.0} s in all, neighbour search {searchSeconds:0.0} s; " +
            $"peak working set {peak / (1 << 20)} MiB (before the evaluation {before / (1 << 20)} MiB)");
        foreach (var (name, value) in results)
        {
            Console.WriteLine($"  {name} = {value:0.0000}");
        }
    }
}
