using System.Runtime.Intrinsics.X86;

namespace NirHost.Tests.Evaluation;

/// <summary>What the AVX2 leg of <see cref="NirHost.Tests.Platforms.Avx2LegTests"/> relies on.</summary>
public sealed class KernelPathTests
{
    [Fact]
    public void The_runtime_switch_that_the_avx2_leg_sets_turns_avx512_off()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Avx512F.IsSupported, "DOTNET_EnableAVX512=0 did not turn AVX-512 off: the AVX2 leg would test nothing new");
        }
    }
}
