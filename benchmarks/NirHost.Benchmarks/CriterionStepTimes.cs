using System.Diagnostics;

namespace NirHost.Benchmarks;

/// <summary>
/// The criterion steps timed exactly as the original's timing script (kept outside the repository) times its criteria:
/// warm-up for at least 3 steps and 0.5 s (long enough for .NET's tiered JIT to reach optimised code), then steps
/// for 3 s, at least 5 and at most 1000: median and minimum wall time, and process CPU time per step. Both sides can so run back to back under the same
/// machine load: <c>dotnet NirHost.Benchmarks.dll criterion-steps [loss,...]</c>.
/// </summary>
public static class CriterionStepTimes
{
    public static void Run(string[] args)
    {
        var losses = args.Length > 1
            ? args[1].Split(',', StringSplitOptions.RemoveEmptyEntries)
            : CriterionStepBenchmark.Losses;
        foreach (var loss in losses)
        {
            var benchmark = new CriterionStepBenchmark { Loss = loss };
            benchmark.Setup();
            var warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
            for (var i = 0; i < 3 || Stopwatch.GetTimestamp() < warm; i++)
            {
                benchmark.Step();
            }
            var times = new List<double>();
            var process = Process.GetCurrentProcess();
            var cpuStart = process.TotalProcessorTime;
            var deadline = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
            while (times.Count < 5 || (Stopwatch.GetTimestamp() < deadline && times.Count < 1000))
            {
                var start = Stopwatch.GetTimestamp();
                benchmark.Step();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            process.Refresh();
            // CPU time of the whole process (libtorch's one thread plus .NET's JIT and GC threads) per step: unlike
            // wall time, it does not grow with the machine's load.
            var cpu = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / times.Count;
            benchmark.Cleanup();
            times.Sort();
            var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
            Console.WriteLine($"{loss,-16} median {median,9:F3} ms  min {times[0],9:F3} ms  cpu {cpu,9:F3} ms  n={times.Count}");
        }
    }
}
