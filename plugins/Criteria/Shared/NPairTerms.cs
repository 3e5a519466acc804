using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>
/// Pieces of the N-pair family (N-pair, angular): each mined anchor with its positive against its set of
/// negatives, all anchors at once as a masked [A, B] matrix.
/// </summary>
public static class NPairTerms
{
    /// <summary>
    /// [A, B]: a_i . (x_j - p_i) for every sample j, the N-pair logits of anchor i with sample j as negative;
    /// p_i is anchor i's positive (the mean of its positive set, which the npair miner makes a single sample).
    /// </summary>
    public static Tensor Logits(Tensor anchors, Tensor all, Tensor positiveMask)
    {
        using var scope = NewDisposeScope();
        var toAll = anchors.mm(all.t());
        var weights = positiveMask.to(all.dtype);
        var toPositive = toAll.mul(weights).sum(1, keepdim: true).div(weights.sum(1, keepdim: true));
        return toAll.sub(toPositive).MoveToOuterDisposeScope();
    }

    /// <summary>The mean L2 norm of the batch's embeddings: the penalty that keeps unnormalised embeddings bounded.</summary>
    public static Tensor MeanNorm(Tensor embeddings) => embeddings.norm(1, keepdim: false, p: 2).mean();

    /// <summary>A zero that keeps the graph, for batches where the miner found no anchor (the original's loss of 0).</summary>
    public static Tensor Nothing(Tensor embeddings) => embeddings.sum().mul(0);
}
