using BenchmarkDotNet.Running;

namespace NirHost.Benchmarks;

public static class Program
{
    // e.g. dotnet run -c Release --project benchmarks/NirHost.Benchmarks -- --filter '*' --job short
    // One timed evaluation at benchmark scale: dotnet NirHost.Benchmarks.dll at-scale [samples] [dim] [classes]
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "at-scale")
        {
            EvaluationAtScale.Run(args);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
