using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

/// <summary>Average-precision family over the same-class ranks of <see cref="IEvaluationData.SameClassRanks"/>.</summary>
internal static class AveragePrecision
{
    /// <summary>
    /// The original's truncated mean average precision (<c>metrics/mAP_1000.py</c> and relatives): per sample,
    /// the precision at every own-class hit among its first R neighbours, summed and divided by the size of its
    /// class (the sample itself included, as the original divides by the class frequency), averaged over all samples.
    /// With <paramref name="perClassSize"/>, R is each sample's class size (<c>mAP_c</c>); otherwise <paramref name="depth"/>.
    /// </summary>
    /// <remarks>
    /// Where R is at least the number of samples, faiss pads each neighbour list with index -1, which numpy reads
    /// as the last sample: the original then counts those padded places as hits for samples of the last sample's
    /// class. This is kept, so small splits give the original's numbers.
    /// </remarks>
    public static double Original(IEvaluationData data, bool cosine, int depth, bool perClassSize)
    {
        var labels = data.Labels;
        // Searched against a gallery, a query's class frequency is the gallery's count of it: there is no query among
        // the ranked samples to count, and no padded place reads as a hit.
        var queryGallery = data.IsQueryGallery;
        var sizes = queryGallery ? data.RelevantCounts : data.ClassSizes;
        var n = labels.Count;
        var available = data.RankedCount;
        var searched = Math.Min(perClassSize ? sizes.Max() : depth, available);
        var ranks = searched > 0 ? data.SameClassRanks(searched, cosine) : null;
        var padLabel = labels[n - 1];
        var total = 0.0;
        for (var q = 0; q < n; q++)
        {
            var size = sizes[labels[q]];
            if (size == 0)
            {
                // A query whose class the gallery lacks finds nothing: a miss.
                continue;
            }
            var cutoff = perClassSize ? size : depth;
            var hits = 0;
            var sum = 0.0;
            foreach (var rank in ranks!.Of(q))
            {
                if (rank > cutoff)
                {
                    break;
                }
                hits++;
                sum += (double)hits / rank;
            }
            if (!queryGallery && !perClassSize && cutoff > available && labels[q] == padLabel)
            {
                for (var rank = available + 1; rank <= cutoff; rank++)
                {
                    hits++;
                    sum += (double)hits / rank;
                }
            }
            total += sum / size;
        }
        return total / n;
    }

    /// <summary>
    /// pytorch-metric-learning's <c>mean_average_precision_at_r</c> and <c>r_precision</c>: R is the number of relevant
    /// samples in the query's ranking (<see cref="IEvaluationData.RelevantCounts"/>). With the embeddings as their own
    /// reference set, R is the number of other samples of the query's class, and samples alone in their class are left
    /// out (NaN when every sample is alone). Against a separate gallery, a query whose class the gallery lacks counts as
    /// a miss (0 on both). The mean runs over samples, not classes.
    /// </summary>
    public static (double MapAtR, double RPrecision) AtR(IEvaluationData data, bool cosine)
    {
        var labels = data.Labels;
        var relevant = data.RelevantCounts;
        var n = labels.Count;
        // The depth the evaluator prepared (up to the largest class), so that the ranks are not cut again.
        var depth = Math.Min(data.IsQueryGallery ? relevant.Max() : data.ClassSizes.Max(), data.RankedCount);
        var ranks = depth > 0 ? data.SameClassRanks(depth, cosine) : null;
        var map = 0.0;
        var precision = 0.0;
        var queries = 0;
        for (var q = 0; q < n; q++)
        {
            var r = relevant[labels[q]];
            if (r == 0)
            {
                if (data.IsQueryGallery)
                {
                    queries++;
                }
                continue;
            }
            var hits = 0;
            var sum = 0.0;
            foreach (var rank in ranks!.Of(q))
            {
                if (rank > r)
                {
                    break;
                }
                hits++;
                sum += (double)hits / rank;
            }
            map += sum / r;
            precision += (double)hits / r;
            queries++;
        }
        return queries == 0 ? (double.NaN, double.NaN) : (map / queries, precision / queries);
    }
}
