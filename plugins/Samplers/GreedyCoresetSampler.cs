using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// Greedy coreset batches (the base repository's <c>greedy_coreset</c> sampler): from a random big batch of
/// stored embeddings, farthest-point traversal picks bs / samples_per_class representatives that cover it, each
/// completed with random samples of its class.
/// </summary>
/// <remarks>
/// The original runs the coreset on one random big batch but reads the picked positions out of another one
/// drawn for the same batch, which makes its picks random; here the picks index the big batch they were made on.
/// </remarks>
[Sampler("greedy_coreset", Options = typeof(StorageSamplerOptions),
    Description = "Farthest-point coreset of a random big batch of stored embeddings, completed per class (embeds the training set).")]
public sealed class GreedyCoresetSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options)
    : StorageSampler(data, setup, options, "greedy_coreset")
{
    protected override int[] ComposeBatch(Random random)
    {
        var bigBatch = DrawWithoutReplacement(Data.Labels.Count, Options.BigBatchSize, random);
        var points = Embeddings(bigBatch, random);
        var picks = Select(points, ClassesPerBatch, random.Next(bigBatch.Length),
            Options.GcSoftened ? candidates => candidates[random.Next(candidates.Length)] : null);
        return WithClassFillers([.. picks.Select(p => bigBatch[p])], random);
    }

    /// <summary>
    /// Farthest-point traversal from <paramref name="first"/>: each next point is the one farthest (squared
    /// distance) from all picked so far, the first such on ties. With <paramref name="softened"/>, it is chosen by
    /// that function among the points whose distance is at or above the 97th percentile instead.
    /// </summary>
    internal static int[] Select(Tensor points, int count, int first, Func<int[], int>? softened = null)
    {
        using var scope = NewDisposeScope();
        var squared = SquaredDistances(points);
        var n = (int)squared.shape[0];
        var matrix = squared.to(float64).data<double>().ToArray();
        // The original starts from each row's norm of squared distances, an upper bound the first pick replaces.
        var nearest = squared.to(float64).norm(1).data<double>().ToArray();
        var picks = new int[count];
        for (var k = 0; k < count; k++)
        {
            var next = k == 0 ? first : softened is null ? ArgMax(nearest) : softened(AtOrAbovePercentile(nearest, 97));
            picks[k] = next;
            for (var i = 0; i < n; i++)
            {
                nearest[i] = Math.Min(nearest[i], matrix[i * n + next]);
            }
        }
        return picks;
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Indices whose value is at or above numpy's (linearly interpolated) percentile.</summary>
    private static int[] AtOrAbovePercentile(double[] values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var position = percentile / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        var (a, b, t) = (sorted[low], sorted[high], position - low);
        // numpy's interpolation, which approaches from the nearer end
        var threshold = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
        return [.. Enumerable.Range(0, values.Length).Where(i => values[i] >= threshold)];
    }
}
