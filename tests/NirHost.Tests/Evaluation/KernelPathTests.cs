using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NirHost.Tests.Evaluation;

/// <summary>What the legs of <see cref="NirHost.Tests.Platforms.VectorWidthLegTests"/> rely on.</summary>
public sealed class KernelPathTests
{
    [Fact]
    public void The_runtime_switches_that_the_legs_set_narrow_the_vectors()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Avx512F.IsSupported, "DOTNET_EnableAVX512=0 did not turn AVX-512 off: the 256-bit leg would test nothing new");
            Assert.False(Vector512.IsHardwareAccelerated);
        }
        if (Environment.GetEnvironmentVariable("DOTNET_PreferredVectorBitWidth") == "128")
        {
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_PreferredVectorBitWidth=128 left 256-bit vectors on: the 128-bit leg would test nothing new");
            Assert.Equal(4, System.Numerics.Vector<float>.Count);
        }
    }
}
