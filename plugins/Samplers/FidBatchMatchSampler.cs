using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// Batch matching by Fréchet distance (the base repository's <c>fid_batchmatch</c> sampler): the candidate
/// batch whose embeddings' Gaussian (mean, covariance) is closest to the big batch's is trained on.
/// </summary>
[Sampler("fid_batchmatch", Options = typeof(StorageSamplerOptions),
    Description = "Of data_batchmatch_ncomps class-structured candidates, the batch with the lowest FID to a big batch (embeds the training set).")]
public sealed class FidBatchMatchSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options)
    : BatchMatchSampler(data, setup, options, "fid_batchmatch")
{
    internal override Func<int[], double> CostAgainst(Tensor bigBatch)
    {
        var (mean, covariance) = D2CoresetSampler.Moments(bigBatch);
        return candidate =>
        {
            using var scope = NewDisposeScope();
            var subset = bigBatch.index_select(0, tensor(candidate.Select(i => (long)i).ToArray()));
            var (subsetMean, subsetCovariance) = D2CoresetSampler.Moments(subset);
            return FrechetDistance(mean, covariance, subsetMean, subsetCovariance);
        };
    }

    /// <summary>
    /// |μ1 - μ2|² + tr Σ1 + tr Σ2 - 2 tr sqrt((Σ1 + εI)(Σ2 + εI)) with the original's ε = 1e-8. The trace of the
    /// square root is the sum of the square roots of the eigenvalues of A^½ B A^½, which has the same (real,
    /// non-negative) spectrum as A B and is symmetric, so it needs no general matrix square root.
    /// </summary>
    internal static double FrechetDistance(Tensor mean1, Tensor covariance1, Tensor mean2, Tensor covariance2)
    {
        using var scope = NewDisposeScope();
        var offset = eye(covariance1.shape[0], dtype: float64) * 1e-8;
        var (values, vectors) = linalg.eigh(covariance1 + offset);
        var root = vectors.mm(diag(values.clamp_min(0).sqrt())).mm(vectors.t());
        var product = root.mm(covariance2 + offset).mm(root);
        var traceRoot = linalg.eigvalsh((product + product.t()) / 2).clamp_min(0).sqrt().sum();
        var difference = mean1 - mean2;
        return (difference.dot(difference) + covariance1.trace() + covariance2.trace() - 2 * traceRoot).item<double>();
    }
}
