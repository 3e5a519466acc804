using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// One invertible step of a flow. Blocks take an optional condition so that a flow can treat conditioned and
/// unconditioned blocks alike, and report log|det J| per sample so that the flow can sum them.
/// </summary>
public abstract class InvertibleBlock(string name) : nn.Module(name)
{
    /// <summary>
    /// Maps [B, D] inputs forward, or back with <paramref name="reverse"/>. The log-determinant is null when
    /// it is identically zero (permutations), which saves the flow an addition.
    /// </summary>
    public abstract (Tensor Output, Tensor? LogDet) Forward(Tensor x, Tensor? condition, bool reverse);

    /// <summary>Whether this block reads a condition (the flow checks that one is supplied).</summary>
    public virtual bool IsConditional => false;
}
