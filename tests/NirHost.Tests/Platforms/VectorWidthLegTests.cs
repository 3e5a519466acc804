using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NirHost.Tests.Support;

namespace NirHost.Tests.Platforms;

/// <summary>
/// The evaluation kernels have a 512-bit path (AVX-512, this machine), a 256-bit one (AVX2, most desktops) and a
/// 128-bit one (ARM64's NEON, Apple silicon). This runs every evaluation test again in child test runs with the wider
/// vectors switched off, so each narrower path is checked against the same fixtures on every CI run, not only on
/// machines that have nothing wider. On .NET 10 the switches are <c>DOTNET_EnableAVX512=0</c> (the older
/// <c>DOTNET_EnableAVX512F=0</c> no longer turns AVX-512 off) and <c>DOTNET_PreferredVectorBitWidth=128</c>, which
/// leaves FMA on, as NEON has it; <see cref="NirHost.Tests.Evaluation.KernelPathTests"/> checks that each child run
/// really is on the path it names.
/// </summary>
public sealed class VectorWidthLegTests
{
    public static TheoryData<string, string> Legs => new()
    {
        { "256", "DOTNET_EnableAVX512=0" },
        { "128", "DOTNET_EnableAVX512=0 DOTNET_PreferredVectorBitWidth=128" },
    };

    [Theory]
    [MemberData(nameof(Legs))]
    public void Every_evaluation_test_passes_on_the_narrower_vector_path(string bits, string switches)
    {
        if (bits == "256" ? !Avx2.IsSupported || !Vector512.IsHardwareAccelerated : !Vector256.IsHardwareAccelerated)
        {
            return; // The machine is on this path already (or cannot take it): the main run covers it.
        }
        var environment = switches.Split(' ').Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var assembly = typeof(VectorWidthLegTests).Assembly.Location;
        var (exit, output, error) = DotnetCli.Exec(Path.GetDirectoryName(assembly)!, environment, TimeSpan.FromMinutes(5),
            "test", assembly, "--filter", "FullyQualifiedName~NirHost.Tests.Evaluation");
        Assert.True(exit == 0, $"the evaluation tests failed on the {bits}-bit path ({switches}):\n{output}\n{error}");
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+[1-9][0-9]+", output);
    }
}
