using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// The ProxyAnchor / ProxyNCA objective as a pure function of embeddings, labels and proxies, so that
/// both <see cref="ProxyAnchorCriterion"/> and regularizers that use it as an alignment term share one definition.
/// </summary>
public static class ProxyAnchorLoss
{
    /// <param name="embeddings">[B, D], normalised here.</param>
    /// <param name="labels">[B] int64 class ids.</param>
    /// <param name="proxies">[C, D] raw proxies, normalised here.</param>
    /// <param name="nca">
    /// ProxyNCA reduces over proxies for each sample (dim 1); ProxyAnchor over samples for each proxy (dim 0).
    /// </param>
    public static Tensor Compute(Tensor embeddings, Tensor labels, Tensor proxies, ProxyAnchorOptions options, bool nca)
    {
        using var scope = NewDisposeScope();
        var dim = nca ? 1 : 0;
        var batch = nn.functional.normalize(embeddings, dim: -1);
        var normalizedProxies = nn.functional.normalize(proxies, dim: -1);

        // Positive pairs follow the original exactly: column j holds sample j's own proxy, so a class's
        // proxy appears once per sample of that class and each appearance counts in the mean. Those columns are
        // gathered from the similarities to all proxies instead of a second product with the gathered proxies.
        var allSims = batch.mm(normalizedProxies.t());
        var positiveSims = allSims.index_select(1, labels);
        // Masks name the entries each term leaves out: other-class pairs, and each sample's own class.
        var otherPairs = labels.unsqueeze(1).ne(labels.unsqueeze(0));
        var classIds = arange(proxies.shape[0], dtype: labels.dtype, device: labels.device);
        var ownClass = labels.unsqueeze(1).eq(classIds.unsqueeze(0));

        var weightedPositive = positiveSims.sub(options.PosDelta).mul(-options.PosAlpha);
        var weightedNegative = allSims.sub(options.NegDelta).mul(options.NegAlpha);

        var positive = MaskedLogSumExp.Excluding(weightedPositive, otherPairs, dim);
        var negative = MaskedLogSumExp.Excluding(weightedNegative, ownClass, dim);
        return positive.mean().add(negative.mean()).MoveToOuterDisposeScope();
    }
}
