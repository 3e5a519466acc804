using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>Reductions shared by the proxy criteria.</summary>
public static class MaskedLogSumExp
{
    /// <summary>
    /// log(1 + sum over masked entries of exp(x)) along <paramref name="dim"/>, and 0 where a slice has no
    /// masked entry. The implicit 1 is a zero logit appended to each slice, as in pytorch-metric-learning;
    /// masked-out entries become the dtype's lowest value so they vanish in the sum but keep gradients finite.
    /// </summary>
    public static Tensor Compute(Tensor values, Tensor mask, long dim)
    {
        using var scope = NewDisposeScope();
        var lowest = values.dtype == ScalarType.Float64 ? double.MinValue : float.MinValue;
        var filled = values.masked_fill(mask.logical_not(), lowest);
        var shape = filled.shape.ToArray();
        shape[dim] = 1;
        var padding = zeros(shape, dtype: values.dtype, device: values.device);
        var lse = cat([filled, padding], dim).logsumexp(dim, keepdim: true);
        var empty = mask.any(dim, keepdim: true).logical_not();
        return lse.masked_fill(empty, 0.0).MoveToOuterDisposeScope();
    }
}
