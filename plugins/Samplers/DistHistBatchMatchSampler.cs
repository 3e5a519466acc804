using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// Batch matching by distance histograms (the base repository's <c>disthist_batchmatch</c> sampler): the
/// candidate whose embeddings best match the big batch's per-dimension mean and standard deviation and whose
/// 50-bin histogram of pairwise distances is closest to the big batch's is trained on.
/// </summary>
[Sampler("disthist_batchmatch", Options = typeof(StorageSamplerOptions),
    Description = "Of data_batchmatch_ncomps class-structured candidates, the batch whose moments and distance histogram best match a big batch (embeds the training set).")]
public sealed class DistHistBatchMatchSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options)
    : BatchMatchSampler(data, setup, options, "disthist_batchmatch")
{
    private const int Bins = 50;

    internal override Func<int[], double> CostAgainst(Tensor bigBatch)
    {
        var distances = UpperDistances(bigBatch);
        var (low, high) = (distances.Min(), distances.Max());
        var histogram = Histogram(distances, low, high);
        var mean = bigBatch.mean([0]);
        var std = bigBatch.std(0, unbiased: false);
        return candidate =>
        {
            using var scope = NewDisposeScope();
            var subset = bigBatch.index_select(0, tensor(candidate.Select(i => (long)i).ToArray()));
            var subsetHistogram = Histogram(UpperDistances(subset), low, high);
            // The original passes the two histograms to scipy's wasserstein_distance as samples (not weights),
            // both ways round; kept as it computes.
            var wasserstein = 2 * SampleWasserstein(histogram, subsetHistogram);
            return (mean - subset.mean([0])).norm().item<double>()
                + (std - subset.std(0, unbiased: false)).norm().item<double>()
                + 75 * wasserstein;
        };
    }

    /// <summary>Pairwise Euclidean distances above the diagonal, row by row (numpy's triu_indices order).</summary>
    internal static double[] UpperDistances(Tensor points)
    {
        using var scope = NewDisposeScope();
        var n = (int)points.shape[0];
        var distances = StorageSampler.SquaredDistances(points).sqrt().to(float64).data<double>().ToArray();
        var upper = new double[n * (n - 1) / 2];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                upper[k++] = distances[i * n + j];
            }
        }
        return upper;
    }

    /// <summary>
    /// numpy's <c>np.histogram(values, bins=50, range=(low, high))</c> as frequencies: equal-width bins, the last
    /// one closed, values outside the range dropped; bin positions computed and corrected against the edges as numpy does.
    /// </summary>
    internal static double[] Histogram(double[] values, double low, double high)
    {
        if (low == high)
        {
            (low, high) = (low - 0.5, high + 0.5);
        }
        var step = (high - low) / Bins;
        var edges = Enumerable.Range(0, Bins + 1).Select(i => i * step + low).ToArray();
        edges[^1] = high;
        var norm = Bins / (high - low);
        var counts = new double[Bins];
        foreach (var value in values)
        {
            if (value < low || value > high)
            {
                continue;
            }
            var index = (int)((value - low) * norm);
            if (index == Bins)
            {
                index--;
            }
            if (value < edges[index])
            {
                index--;
            }
            else if (value >= edges[index + 1] && index != Bins - 1)
            {
                index++;
            }
            counts[index]++;
        }
        var total = counts.Sum();
        return [.. counts.Select(c => c / total)];
    }

    /// <summary>1-D Wasserstein distance between two equally sized samples: the mean gap between their sorted values.</summary>
    internal static double SampleWasserstein(double[] first, double[] second)
    {
        var a = first.Order().ToArray();
        var b = second.Order().ToArray();
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
    }
}
