using System.Diagnostics;
using NirHost.Host.Reporting.Reports;

namespace NirHost.Benchmarks;

/// <summary>
/// One report over <see cref="ReportBenchmark"/>'s sweep, timed by wall clock and by the process's CPU time: on a shared
/// machine the wall time depends on the load, the CPU time (and CPU time over the cores) much less.
/// </summary>
public static class ReportAtScale
{
    public static void Run()
    {
        var benchmark = new ReportBenchmark();
        benchmark.Setup();
        Console.WriteLine($"{ReportBenchmark.Configurations * ReportBenchmark.Seeds} runs of {ReportBenchmark.Epochs} epochs");
        try
        {
            // A first report loads and compiles what the later ones reuse (ScottPlot, Skia, the template), as in a fresh process.
            foreach (var round in new[] { "first (cold)", "second", "third" })
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var bytes = benchmark.Report();
                process.Refresh();
                Console.WriteLine($"{round}: {clock.Elapsed.TotalSeconds:F2} s wall, {(process.TotalProcessorTime - cpu).TotalSeconds:F2} s CPU, " +
                    $"{bytes / 1048576.0:F1} MB of HTML holding {benchmark.RunSections()} run sections");
            }
        }
        finally
        {
            benchmark.Cleanup();
        }
    }
}
