using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>
/// Pieces of the N-pair family (N-pair, angular): each mined anchor with one positive against every sample of
/// another class. The npair miner's negative set of an anchor is exactly the batch's other-class samples, so it
/// follows from the labels and all anchors are handled in one masked matrix.
/// </summary>
public static class NPairTerms
{
    /// <summary>[A, B]: for each mined anchor, the samples of other classes.</summary>
    public static Tensor NegativeMask(Tensor labels, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        return labels.index_select(0, anchors).unsqueeze(1).ne(labels.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [A, B]: a_i . (x_j - p_i) for every sample j: the N-pair logits of anchor i against sample j as negative.
    /// </summary>
    public static Tensor Logits(Tensor anchors, Tensor positives, Tensor all)
    {
        using var scope = NewDisposeScope();
        var toAll = anchors.mm(all.t());
        var toPositive = anchors.mul(positives).sum(1, keepdim: true);
        return toAll.sub(toPositive).MoveToOuterDisposeScope();
    }

    /// <summary>The mean L2 norm of the batch's embeddings: the penalty that keeps unnormalised embeddings bounded.</summary>
    public static Tensor MeanNorm(Tensor embeddings) => embeddings.norm(1, keepdim: false, p: 2).mean();
}
