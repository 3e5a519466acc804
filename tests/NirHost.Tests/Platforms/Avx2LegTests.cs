using System.Runtime.Intrinsics.X86;
using NirHost.Tests.Support;

namespace NirHost.Tests.Platforms;

/// <summary>
/// The evaluation kernels have an AVX-512 path (this machine) and an AVX2 one (most desktops). This runs every
/// evaluation test again in a child test run with AVX-512 switched off, so the AVX2 path is checked against the same
/// fixtures on every CI run, not only on machines that lack AVX-512. On .NET 10 the switch is
/// <c>DOTNET_EnableAVX512=0</c>; the older <c>DOTNET_EnableAVX512F=0</c> no longer turns AVX-512 off
/// (<see cref="NirHost.Tests.Evaluation.KernelPathTests"/> checks that the child run really is on the AVX2 path).
/// </summary>
public sealed class Avx2LegTests
{
    [Fact]
    public void Every_evaluation_test_passes_on_the_avx2_path()
    {
        if (!Avx2.IsSupported)
        {
            return; // Nothing to switch to: the machine has no AVX2, and the kernels' other paths run in the main run.
        }
        var assembly = typeof(Avx2LegTests).Assembly.Location;
        var (exit, output, error) = DotnetCli.Exec(Path.GetDirectoryName(assembly)!, new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" },
            TimeSpan.FromMinutes(5), "test", assembly, "--filter", "FullyQualifiedName~NirHost.Tests.Evaluation");
        Assert.True(exit == 0, $"the evaluation tests failed with AVX-512 off:\n{output}\n{error}");
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+[1-9][0-9]+", output);
    }
}
