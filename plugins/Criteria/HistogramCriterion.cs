using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Histogram loss (Ustinova and Lempitsky 2016): soft histograms of positive and negative pair similarities over
/// bins on [-1, 1]; the loss is the probability that a negative pair is more similar than a positive one.
/// </summary>
/// <remarks>
/// The original assigns each similarity to a bin value q * w - 1 (q = trunc((s + 1) / w) in the embeddings'
/// precision) and finds that bin by exact floating-point equality with its support (a numpy linspace), for the
/// upper bin, and with support - w, for the lower one; where rounding makes those differ the contribution is
/// dropped. The bin matches are computed here with the same double arithmetic, once per bin count, so the
/// numbers match the original.
/// </remarks>
[Criterion("histogram", Options = typeof(HistogramOptions),
    Description = "Histogram loss over the batch's positive and negative pair similarities; no batch miner.")]
public sealed class HistogramCriterion(HistogramOptions options) : Criterion("histogram")
{
    private (bool[] Lower, bool[] Upper)? _matches;

    public override Tensor forward(CriterionBatch batch) => Compute(batch.Embeddings, batch.Labels);

    public Tensor Compute(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var bins = options.NBins;
        var width = 2.0 / (bins - 1);
        var device = embeddings.device;
        var count = embeddings.shape[0];

        var upper = ones(count, count, dtype: ScalarType.Bool, device: device).triu(1);
        var similarities = embeddings.mm(embeddings.t()).masked_select(upper);
        var same = labels.unsqueeze(1).eq(labels.unsqueeze(0)).masked_select(upper);

        var (lowerTable, upperTable) = _matches ??= BinMatches(bins, width);
        var q = similarities.detach().add(1).div(width).trunc().to(int64).clamp(0, bins);
        var lowerMatch = tensor(lowerTable, device: device).reshape(bins + 1, bins).index_select(0, q).t();
        var upperMatch = tensor(upperTable, device: device).reshape(bins + 1, bins).index_select(0, q).t();

        // torch.linspace in float32 as the original's support, so the weights use the same support values.
        var support = linspace(-1, 1, bins, dtype: ScalarType.Float32, device: device).to(embeddings.dtype).unsqueeze(1);
        var s = similarities.unsqueeze(0);
        var rising = s.sub(support).add(width).div(width);
        var falling = s.neg().add(support).add(width).div(width);
        var weights = where(lowerMatch, rising, where(upperMatch, falling, zeros_like(rising)));

        var positive = Histogram(weights, same);
        var negative = Histogram(weights, same.logical_not());
        return negative.mul(positive.cumsum(0)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The pairs' soft histogram, normalised by their count. A batch without pairs of that kind (one sample per
    /// class has no positive pair, one class no negative pair) gives an all-zero histogram, so the loss is a zero
    /// that keeps the graph; any count of one or more divides as before.
    /// </summary>
    private static Tensor Histogram(Tensor weights, Tensor members)
    {
        var total = members.sum().to(weights.dtype).clamp_min(1);
        return weights.mul(members.unsqueeze(0).to(weights.dtype)).sum(1).div(total);
    }

    /// <summary>
    /// For bin value index q (0..bins) and support index k: whether q * w - 1 equals support_k - w (lower) or
    /// support_k (upper), compared exactly in double as numpy does.
    /// </summary>
    private static (bool[] Lower, bool[] Upper) BinMatches(int bins, double width)
    {
        var support = new double[bins];
        for (var k = 0; k < bins; k++)
        {
            support[k] = k * width + -1.0;
        }
        support[bins - 1] = 1.0;
        var lower = new bool[(bins + 1) * bins];
        var upper = new bool[(bins + 1) * bins];
        for (var q = 0; q <= bins; q++)
        {
            var value = q * width - 1;
            for (var k = 0; k < bins; k++)
            {
                lower[q * bins + k] = value == support[k] - width;
                upper[q * bins + k] = value == support[k];
            }
        }
        return (lower, upper);
    }
}
