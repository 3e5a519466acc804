using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>Reductions shared by the proxy criteria.</summary>
public static class MaskedLogSumExp
{
    /// <summary>
    /// How far below a slice's largest included value the left-out entries are put: exp(-64) is a normal float32, so
    /// they add nothing a float32 or float64 sum can hold (at most B x 1.6e-28 relative) and exp stays on its fast path.
    /// </summary>
    private const double Headroom = 64;

    /// <summary>
    /// log(1 + sum over masked entries of exp(x)) along <paramref name="dim"/>, and 0 where a slice has no
    /// masked entry (pytorch-metric-learning's logsumexp with an appended zero logit).
    /// </summary>
    public static Tensor Compute(Tensor values, Tensor mask, long dim)
    {
        using var excluded = mask.logical_not();
        return Excluding(values, excluded, dim);
    }

    /// <summary>
    /// As <see cref="Compute"/>, given the complement of the mask: the entries to leave out. Callers that build
    /// their masks anyway build this one directly and save a negation.
    /// </summary>
    /// <remarks>
    /// softplus(logsumexp(x)) is the appended-zero form without materialising a padded copy. Left-out entries are not
    /// filled with the dtype's lowest value (as the original does) but with their slice's largest included value less
    /// <see cref="Headroom"/>: libtorch's exp takes a slow path for arguments that underflow, which made that fill
    /// cost more than the rest of a criterion step. Slices with nothing included are set to 0 afterwards (value and
    /// gradient), as the original does. softplus is exact to within e^-20 of its argument above its threshold of 20.
    /// </remarks>
    public static Tensor Excluding(Tensor values, Tensor excluded, long dim)
    {
        using var scope = NewDisposeScope();
        Tensor floor;
        Tensor empty;
        using (no_grad())
        {
            var top = LargestIncluded(values, excluded, dim);
            // A slice is empty exactly when its maximum is the fill value (cheaper than reducing the mask again).
            empty = top.eq(Lowest(values));
            floor = top.masked_fill(empty, 0).sub(Headroom);
        }
        var sums = where(excluded, floor, values).logsumexp(dim, keepdim: true);
        return nn.functional.softplus(sums).masked_fill(empty, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// logsumexp along <paramref name="dim"/> of the entries not <paramref name="excluded"/>, as the original computes it
    /// by filling the others with the dtype's lowest value; here they are filled as in <see cref="Excluding"/>, which
    /// changes the result by at most e^-64 relative. A slice with nothing included gives the lowest value, as there.
    /// </summary>
    public static Tensor OverIncluded(Tensor values, Tensor excluded, long dim)
    {
        using var scope = NewDisposeScope();
        Tensor floor;
        using (no_grad())
        {
            // An empty slice's largest value is the lowest one, and less the headroom it stays that (rounding).
            floor = LargestIncluded(values, excluded, dim).sub(Headroom);
        }
        return where(excluded, floor, values).logsumexp(dim).MoveToOuterDisposeScope();
    }

    private static Tensor LargestIncluded(Tensor values, Tensor excluded, long dim) =>
        values.detach().masked_fill(excluded, Lowest(values)).amax([dim], keepdim: true);

    private static double Lowest(Tensor values) => values.dtype == ScalarType.Float64 ? double.MinValue : float.MinValue;
}
