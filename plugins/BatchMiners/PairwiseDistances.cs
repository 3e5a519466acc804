using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>The original miners' <c>pdist</c>: Euclidean distances through the Gram matrix.</summary>
internal static class PairwiseDistances
{
    /// <summary>
    /// sqrt(max(|a|² + |b|² - 2 a·b, floor)) for every pair of rows, computed like the original (same order
    /// of operations) so that threshold comparisons between distances fall the same way.
    /// Some miners floor the squared distance at 1e-4 before the root, others at 0.
    /// </summary>
    public static Tensor Euclidean(Tensor embeddings, double floor = 0)
    {
        using var scope = NewDisposeScope();
        var x = embeddings.detach();
        var product = x.mm(x.t());
        var norms = product.diag().unsqueeze(1);
        var squared = (norms + norms.t() - 2 * product).clamp_min(0);
        if (floor > 0)
        {
            squared = squared.clamp_min(floor);
        }
        return squared.sqrt().MoveToOuterDisposeScope();
    }
}
