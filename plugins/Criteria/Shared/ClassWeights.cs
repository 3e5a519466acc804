using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Initialisation of per-class weight matrices, drawn from the seeded global generator as the originals do.</summary>
public static class ClassWeights
{
    /// <summary>U(-1/sqrt(columns), 1/sqrt(columns)), the classifier initialisation of softmax, ArcFace and SoftTriple.</summary>
    public static Parameter Uniform(long rows, long columns)
    {
        using var _ = no_grad();
        var bound = 1.0 / Math.Sqrt(columns);
        return new Parameter(empty(rows, columns).uniform_(-bound, bound));
    }

    /// <summary>randn / 8: the proxy initialisation of the ProxyNCA and ProxyAnchor criteria.</summary>
    public static Parameter ScaledNormal(long rows, long columns)
    {
        using var _ = no_grad();
        return new Parameter(randn(rows, columns).div_(8));
    }
}
