using BenchmarkDotNet.Attributes;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Plugins.Metrics;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// The work of <c>nirhost evaluate</c> on 20,000 x 128 float32 embeddings of 100 classes (200 each, Gaussian
/// clusters) with the original's benchmark metrics e_recall@1,2,4,8, nmi, f1 and mAP_1000: one exact
/// Euclidean neighbour search to depth 1000, one k-means, the metric arithmetic. Two threads.
/// The original (faiss + its metric classes) takes about 14 s for the same work on this machine.
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmark
{
    private const int Samples = 20_000;
    private const int Dim = 128;
    private const int Classes = 100;
    private static readonly string[] MetricNames = ["e_recall@1", "e_recall@2", "e_recall@4", "e_recall@8", "nmi", "f1", "mAP_1000"];

    private Tensor _embeddings = null!;
    private int[] _labels = null!;
    private Evaluator _evaluator = null!;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(2);
        random.manual_seed(0);
        _labels = Enumerable.Range(0, Samples).Select(i => i % Classes).ToArray();
        var centres = randn(Classes, Dim);
        _embeddings = nn.functional.normalize(
            centres.index_select(0, tensor(_labels.Select(l => (long)l).ToArray())) + randn(Samples, Dim) * 0.9, dim: 1);
        _evaluator = new Evaluator(MetricNames.Select(Create).ToList());
    }

    [GlobalCleanup]
    public void Cleanup() => _embeddings.Dispose();

    [Benchmark(Description = "evaluate 20000x128, recall@1,2,4,8 + nmi + f1 + mAP_1000")]
    public Dictionary<string, double> Evaluate()
    {
        using var data = new EvaluationData(_embeddings, _labels, Classes);
        return _evaluator.Compute(data);
    }

    internal static IMetric Create(string fullName)
    {
        var at = fullName.IndexOf('@');
        var spec = at < 0 ? ComponentSpec.Plain(fullName) : new ComponentSpec(fullName, fullName[..at], fullName[(at + 1)..], new HashSet<string>());
        return spec.Name switch
        {
            "e_recall" => new ERecallMetric(spec),
            "nmi" => new NmiMetric(spec),
            "f1" => new F1Metric(spec),
            "mAP_1000" => new MapAt1000Metric(spec),
            _ => throw new ArgumentException($"The benchmark does not use {fullName}."),
        };
    }
}
