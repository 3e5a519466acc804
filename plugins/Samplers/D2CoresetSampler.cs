using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// D2 coreset batches (the base repository's <c>d2_coreset</c> sampler): in a random big batch of stored
/// embeddings, start at the point nearest to a draw from the batch's fitted Gaussian, then draw each next
/// representative with probability proportional to its Gaussian density times its summed squared distance to
/// those picked, raised to <c>--data_d2_coreset_lambda</c>; each representative is completed with random
/// samples of its class.
/// </summary>
/// <remarks>As for greedy_coreset, picks index the big batch they were made on (the original mixes up two big batches).</remarks>
[Sampler("d2_coreset", Options = typeof(StorageSamplerOptions),
    Description = "D2-weighted coreset of a random big batch of stored embeddings, completed per class (embeds the training set).")]
public sealed class D2CoresetSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options)
    : StorageSampler(data, setup, options, "d2_coreset")
{
    protected override int[] ComposeBatch(Random random)
    {
        var bigBatch = DrawWithoutReplacement(Data.Labels.Count, Options.BigBatchSize, random);
        var points = Embeddings(bigBatch, random);
        var (mean, covariance) = Moments(points);
        var anchor = GaussianDraw(mean, covariance, random);
        var picks = Select(points, ClassesPerBatch, anchor, Options.D2CoresetLambda, p => Draw(p, random));
        return WithClassFillers([.. picks.Select(p => bigBatch[p])], random);
    }

    /// <summary>
    /// The D2 selection from a given start <paramref name="anchor"/>. <paramref name="choose"/> receives the
    /// probabilities of the points not yet picked (in ascending index order) and returns a position among them.
    /// </summary>
    internal static int[] Select(Tensor points, int count, Tensor anchor, double lambda, Func<double[], int> choose)
    {
        using var scope = NewDisposeScope();
        points = points.to(float64);
        anchor = anchor.to(float64);
        var n = (int)points.shape[0];
        var (mean, covariance) = Moments(points);
        var start = (int)(points - anchor.reshape(1, -1)).norm(1).argmin().item<long>();
        var squared = SquaredDistances(points).to(float64);
        var matrix = squared.data<double>().ToArray();
        var density = GaussianLogDensity(points, mean, covariance).to(float64).data<double>().ToArray();
        var remaining = Enumerable.Range(0, n).Where(i => i != start).ToList();
        var summed = new double[n];
        for (var i = 0; i < n; i++)
        {
            summed[i] = matrix[i * n + start];
        }
        var picks = new List<int> { start };
        while (picks.Count < count)
        {
            var maxLog = remaining.Max(i => density[i]);
            var weights = remaining.Select(i => Math.Exp(density[i] - maxLog) * Math.Pow(summed[i], lambda)).ToArray();
            var total = weights.Sum();
            if (!(total > 0) || !double.IsFinite(total))
            {
                throw new InvalidOperationException($"d2_coreset: the sampling weights of the big batch sum to {total}; the stored embeddings are degenerate.");
            }
            var position = choose([.. weights.Select(w => w / total)]);
            var pick = remaining[position];
            remaining.RemoveAt(position);
            picks.Add(pick);
            for (var i = 0; i < n; i++)
            {
                summed[i] += matrix[i * n + pick];
            }
        }
        return [.. picks];
    }

    /// <summary>Mean and unbiased covariance of the rows (numpy's <c>np.cov</c> of the transposed batch).</summary>
    internal static (Tensor Mean, Tensor Covariance) Moments(Tensor points)
    {
        var mean = points.mean([0]);
        var centred = points - mean;
        return (mean, centred.t().mm(centred) / (points.shape[0] - 1));
    }

    /// <summary>
    /// Log density of each row under N(mean, covariance), up to a constant (only ratios are used). A singular
    /// covariance (a big batch no larger than the embedding) is refused, as scipy refuses it in the original.
    /// </summary>
    private static Tensor GaussianLogDensity(Tensor points, Tensor mean, Tensor covariance)
    {
        var centred = points - mean;
        var solved = linalg.solve(Regular(covariance), centred.t()).t();
        return -0.5 * (centred * solved).sum(1);
    }

    private static Tensor GaussianDraw(Tensor mean, Tensor covariance, Random random)
    {
        var cholesky = linalg.cholesky(Regular(covariance));
        var normal = new double[mean.shape[0]];
        for (var i = 0; i < normal.Length; i++)
        {
            // Box-Muller from the sampler's own random source.
            normal[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }
        return mean + cholesky.mv(tensor(normal, float64));
    }

    /// <summary>The covariance, refused when singular (a big batch no larger than the embedding), as scipy refuses it in the original.</summary>
    private static Tensor Regular(Tensor covariance)
    {
        var eigenvalues = linalg.eigvalsh(covariance);
        var smallest = eigenvalues.min().item<double>();
        if (!(smallest > 1e-12 * Math.Max(1e-300, eigenvalues.max().item<double>())))
        {
            throw new InvalidOperationException(
                "d2_coreset: the big batch's covariance is singular; use a --data_batchmatch_bigbs larger than the embedding dimension or --data_sampler_lowproj_dim.");
        }
        return covariance;
    }

    private static int Draw(double[] probabilities, Random random)
    {
        var u = random.NextDouble();
        var cumulative = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }
        return Array.FindLastIndex(probabilities, p => p > 0);
    }
}
