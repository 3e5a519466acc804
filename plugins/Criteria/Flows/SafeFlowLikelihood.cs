using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// NIR's flow term, mean(exp(nll)) over the batch, evaluated so that it overflows only where its value does not fit a
/// float64 (<c>--loss_nir_safe_flow</c>). The original exponentiates each sample's negative log-likelihood and lets the
/// gradient, exp(nll_i) / B, flow back into float32 tensors, where anything above 3.4e38 becomes infinite and poisons
/// the weights; a gradient of that size could not be represented in float32 anyway.
/// </summary>
/// <remarks>
/// The value is exp(logsumexp(nll) - log B), combined in log space. The gradient with respect to nll_i is the exact one,
/// value * softmax(nll)_i, as long as the value is at most <c>bound</c>; above it, the same vector scaled to
/// bound * softmax(nll)_i, whose entries can never exceed the bound. Below the bound the numbers are the original's
/// (to rounding: a logsumexp instead of a sum of exponentials); above it the direction is the original's and only the
/// length is capped, as gradient clipping does for this one term.
/// </remarks>
public static class SafeFlowLikelihood
{
    /// <summary>The flow term of a batch of negative log-likelihoods <paramref name="nll"/> [B] (float64), as a float64 scalar.</summary>
    public static Tensor Mean(Tensor nll, double bound)
    {
        if (nll.dtype != ScalarType.Float64)
        {
            throw new ArgumentException($"The flow's negative log-likelihoods are combined in float64; got {nll.dtype}.", nameof(nll));
        }
        if (!(bound > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The gradient bound must be positive.");
        }
        using var scope = NewDisposeScope();
        var logMean = nll.logsumexp(0).sub(Math.Log(nll.shape[0]));
        var anchor = logMean.detach();
        var value = anchor.exp();
        // (logMean - anchor) is exactly zero, so the result's value is `value`; its gradient is scale * d(logMean) =
        // scale * softmax(nll), with scale = min(value, bound): the exact gradient below the bound, capped above it.
        var scale = value.clamp_max(bound);
        return logMean.sub(anchor).mul_(scale).add_(value).MoveToOuterDisposeScope();
    }
}
