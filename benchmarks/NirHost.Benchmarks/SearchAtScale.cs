using System.Diagnostics;
using NirHost.Retrieval;

namespace NirHost.Benchmarks;

/// <summary>
/// The search targets at their scale: a million 128-d float32 embeddings (unit vectors in 10,000 Gaussian clusters,
/// as L2-normalised embeddings of many classes are), queries drawn from the same clusters. Exact search: median and 95th
/// percentile latency of single queries on the given threads. HNSW: build time, serialised size, the process's peak memory,
/// query latency and recall@10 against the exact results.
/// Run: dotnet NirHost.Benchmarks.dll search-at-scale [rows] [dimension] [queries] [threads] [exact-only]
/// </summary>
public static class SearchAtScale
{
    public static void Run(string[] args)
    {
        var rows = args.Length > 1 ? int.Parse(args[1]) : 1_000_000;
        var dimension = args.Length > 2 ? int.Parse(args[2]) : 128;
        var queryCount = args.Length > 3 ? int.Parse(args[3]) : 200;
        var threads = args.Length > 4 ? int.Parse(args[4]) : 2;
        var clock = Stopwatch.StartNew();
        var (vectors, queries) = Data(rows, dimension, queryCount, seed: 1);
        Console.WriteLine($"{rows} x {dimension} float32, {queryCount} queries, {threads} threads; data in {clock.Elapsed.TotalSeconds:F1} s");

        using var exact = new ExactIndex((float[])vectors.Clone(), dimension, IndexMetric.L2, threads);
        exact.Search(queries.AsSpan(0, dimension), 10);
        var truth = new Neighbour[queryCount][];
        var latencies = new double[queryCount];
        for (var q = 0; q < queryCount; q++)
        {
            clock.Restart();
            truth[q] = exact.Search(queries.AsSpan(q * dimension, dimension), 10)[0];
            latencies[q] = clock.Elapsed.TotalMilliseconds;
        }
        Console.WriteLine($"exact: median {Percentile(latencies, 0.5):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms per query");
        clock.Restart();
        exact.Search(queries, 10);
        Console.WriteLine($"exact, all {queryCount} queries in one call: {clock.Elapsed.TotalMilliseconds / queryCount:F2} ms per query");

        if (args.Length > 5 && args[5] == "exact-only")
        {
            return;
        }
        var options = new HnswOptions { Threads = threads };
        clock.Restart();
        var adding = 0.0;
        using var graph = HnswIndex.Build(vectors, dimension, IndexMetric.L2, options, (stage, done, total) =>
        {
            if (stage == HnswIndex.AddingStage && done == total)
            {
                adding = clock.Elapsed.TotalSeconds;
            }
        });
        var build = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"hnsw (connectivity {options.Connectivity}, expansion_add {options.ExpansionAdd}): built in {build:F1} s " +
            $"(adding {adding:F1} s, checking every entry is found and re-adding {graph.Relinked} ({graph.Unreached} still unfound) {build - adding:F1} s), " +
            $"{graph.SerializedLength / 1048576.0:F0} MiB serialised, peak process memory {PeakMemoryMiB():F0} MiB");
        foreach (var expansion in new[] { 64, 128, 256 })
        {
            graph.ExpansionSearch = expansion;
            var found = 0;
            for (var q = 0; q < queryCount; q++)
            {
                clock.Restart();
                var hits = graph.Search(queries.AsSpan(q * dimension, dimension), 10)[0];
                latencies[q] = clock.Elapsed.TotalMilliseconds;
                found += hits.Select(h => h.Index).Intersect(truth[q].Select(t => t.Index)).Count();
            }
            Console.WriteLine($"hnsw expansion_search {expansion}: recall@10 {found / (10.0 * queryCount):F3}, median {Percentile(latencies, 0.5):F2} ms, " +
                $"p95 {Percentile(latencies, 0.95):F2} ms per query");
        }
    }

    /// <summary>Unit vectors around 10,000 random centres (spread 0.35 per coordinate before normalising), and queries like them.</summary>
    public static (float[] Vectors, float[] Queries) Data(int rows, int dimension, int queries, int seed)
    {
        var random = new Random(seed);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        const int clusters = 10_000;
        var centres = new float[clusters * dimension];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = Normal() / MathF.Sqrt(dimension);
        }
        float[] Draw(int count)
        {
            var result = new float[(long)count * dimension];
            for (var row = 0; row < count; row++)
            {
                var centre = random.Next(clusters);
                var norm = 0f;
                for (var j = 0; j < dimension; j++)
                {
                    var value = centres[centre * dimension + j] + 0.35f * Normal() / MathF.Sqrt(dimension);
                    result[row * dimension + j] = value;
                    norm += value * value;
                }
                norm = MathF.Sqrt(norm);
                for (var j = 0; j < dimension; j++)
                {
                    result[row * dimension + j] /= norm;
                }
            }
            return result;
        }
        return (Draw(rows), Draw(queries));
    }

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }

    /// <summary>The process's peak resident memory (VmHWM), in MiB; 0 where /proc is not there.</summary>
    public static double PeakMemoryMiB()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
