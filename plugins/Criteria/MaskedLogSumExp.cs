using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>Reductions shared by the proxy criteria.</summary>
public static class MaskedLogSumExp
{
    /// <summary>
    /// log(1 + sum over masked entries of exp(x)) along <paramref name="dim"/>, and 0 where a slice has no
    /// masked entry (pytorch-metric-learning's logsumexp with an appended zero logit).
    /// </summary>
    /// <remarks>
    /// Computed as softplus(logsumexp(masked x)), which equals the appended-zero form without materialising the
    /// padded copy or re-masking empty slices: masked-out entries become the dtype's lowest value, so an empty
    /// slice's logsumexp is that lowest value and its softplus (and gradient) exactly 0, while gradients stay finite.
    /// softplus is exact to within e^-20 of its argument above its threshold of 20, below float64 rounding of the loss.
    /// </remarks>
    public static Tensor Compute(Tensor values, Tensor mask, long dim)
    {
        using var excluded = mask.logical_not();
        return Excluding(values, excluded, dim);
    }

    /// <summary>
    /// As <see cref="Compute"/>, given the complement of the mask: the entries to leave out. Callers that build
    /// their masks anyway build this one directly and save a negation.
    /// </summary>
    public static Tensor Excluding(Tensor values, Tensor excluded, long dim)
    {
        using var scope = NewDisposeScope();
        var lowest = values.dtype == ScalarType.Float64 ? double.MinValue : float.MinValue;
        var filled = values.masked_fill(excluded, lowest);
        return nn.functional.softplus(filled.logsumexp(dim, keepdim: true)).MoveToOuterDisposeScope();
    }
}
