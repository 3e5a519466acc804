using BenchmarkDotNet.Running;

namespace NirHost.Benchmarks;

public static class Program
{
    // e.g. dotnet run -c Release --project benchmarks/NirHost.Benchmarks -- --filter '*' --job short
    // The criterion steps timed as the original's script times them: dotnet NirHost.Benchmarks.dll criterion-steps [loss,...]
    // One timed evaluation at benchmark scale: dotnet NirHost.Benchmarks.dll at-scale [samples] [dim] [classes]
    // Exact and HNSW search on a million 128-d embeddings: dotnet NirHost.Benchmarks.dll search-at-scale [rows] [dim] [queries] [threads]
    // embed against the trainer's evaluation pass, and embed's peak memory at two sizes: dotnet NirHost.Benchmarks.dll embed-at-scale
    // The report over a 100-run sweep: dotnet NirHost.Benchmarks.dll --filter *ReportBenchmark* --inProcess, or timed by
    // wall clock and CPU time: dotnet NirHost.Benchmarks.dll report-at-scale
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "at-scale")
        {
            EvaluationAtScale.Run(args);
            return;
        }
        if (args.Length > 0 && args[0] == "search-at-scale")
        {
            SearchAtScale.Run(args);
            return;
        }
        if (args.Length > 0 && args[0] == "embed-at-scale")
        {
            EmbedAtScale.Run(args);
            return;
        }
        if (args.Length > 0 && args[0] == "report-at-scale")
        {
            ReportAtScale.Run();
            return;
        }
        if (args.Length > 0 && args[0] == "criterion-steps")
        {
            CriterionStepTimes.Run(args);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
