using BenchmarkDotNet.Running;

namespace NirHost.Benchmarks;

public static class Program
{
    // e.g. dotnet run -c Release --project benchmarks/NirHost.Benchmarks -- --filter '*' --job short
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
