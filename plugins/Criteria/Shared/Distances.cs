using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Row-wise and matrix distances the tuple criteria are built from.</summary>
public static class Distances
{
    /// <summary>Squared Euclidean distance between matching rows of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static Tensor SquaredRows(Tensor a, Tensor b) => a.sub(b).pow(2).sum(-1);

    /// <summary>
    /// sqrt(|a - b|^2 + <paramref name="epsilon"/>) per row: the margin loss's distance, smooth where rows coincide.
    /// </summary>
    public static Tensor SmoothedRows(Tensor a, Tensor b, double epsilon) => SquaredRows(a, b).add(epsilon).sqrt();

    /// <summary>|a - b + eps|_2 per row, as torch's <c>nn.PairwiseDistance</c> (eps 1e-6 added to the difference).</summary>
    public static Tensor PairwiseRows(Tensor a, Tensor b, double epsilon = 1e-6) => a.sub(b).add(epsilon).norm(-1);

    /// <summary>Plain Euclidean distance between matching rows.</summary>
    public static Tensor EuclideanRows(Tensor a, Tensor b) => a.sub(b).norm(-1);

    /// <summary>Inner products of every row of <paramref name="a"/> with every row of <paramref name="b"/>.</summary>
    public static Tensor Similarities(Tensor a, Tensor b) => a.mm(b.t());

    /// <summary>
    /// Euclidean distances of every row of <paramref name="a"/> to every row of <paramref name="b"/> through one
    /// matrix product. Coinciding rows get distance ~0 with a zero gradient (the square is clamped away from 0
    /// before the root), as a norm's subgradient would give.
    /// </summary>
    public static Tensor EuclideanMatrix(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return SquaredMatrix(a, b).clamp_min(1e-30).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Squared Euclidean distances of every row of <paramref name="a"/> to every row of <paramref name="b"/>.</summary>
    public static Tensor SquaredMatrix(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var result = a.pow(2).sum(1, keepdim: true).add(b.pow(2).sum(1).unsqueeze(0)).sub(a.mm(b.t()).mul(2));
        return result.MoveToOuterDisposeScope();
    }
}
