using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Reductions of per-tuple losses, shared by the tuple criteria.</summary>
public static class Reducers
{
    /// <summary>
    /// Sum of <paramref name="losses"/> divided by <paramref name="activeCount"/>, or the plain sum when nothing
    /// is active (a zero loss that keeps the graph), as the margin and SNR losses normalise.
    /// </summary>
    public static Tensor SumOverActive(Tensor losses, Tensor activeCount)
    {
        using var scope = NewDisposeScope();
        // Counts are whole numbers, so clamping at 1 only replaces the zero count.
        var divisor = activeCount.clamp_min(1).to(losses.dtype);
        return losses.sum().div(divisor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss of a batch with nothing to learn from (no valid tuple or pair, say a batch of one class): zero, but
    /// built from the embeddings, so that the host's backward pass still runs and every gradient is zero.
    /// </summary>
    public static Tensor Zero(Tensor embeddings) => embeddings.sum().mul(0);

    /// <summary>log(1 + sum exp(x)) over the masked entries of each row: the N-pair family's softplus of a logsumexp.</summary>
    public static Tensor LogOnePlusSumExp(Tensor values, Tensor mask) => MaskedLogSumExp.Compute(values, mask, 1).squeeze(1);
}
