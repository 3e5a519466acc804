using NirHost.Host.IO;
using static TorchSharp.torch;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// The first two principal components of a run's last test embeddings (<c>embeddings_test.safetensors</c>), with each
/// point's class: what the report's scatter plot shows.
/// </summary>
/// <param name="Explained">The share of the variance each of the two components explains.</param>
/// <param name="Total">How many embeddings the file holds; at most <see cref="MaxPoints"/> of them are projected.</param>
public sealed record EmbeddingProjection(double[] X, double[] Y, int[] Labels, (double First, double Second) Explained, int Total)
{
    /// <summary>Enough points to see the classes' shapes, few enough to draw a hundred runs' figures in seconds.</summary>
    public const int MaxPoints = 1000;

    /// <summary>Reads and projects the file; null where it holds fewer than three embeddings or they do not vary.</summary>
    public static EmbeddingProjection? Read(string path)
    {
        var tensors = SafeTensorsFile.Read(path);
        using var scope = NewDisposeScope();
        try
        {
            if (!tensors.TryGetValue("embeddings", out var embeddings) || !tensors.TryGetValue("labels", out var labels)
                || embeddings.dim() != 2 || labels.dim() != 1 || labels.shape[0] != embeddings.shape[0])
            {
                throw new InvalidDataException($"{path} does not hold 'embeddings' [N, D] and 'labels' [N].");
            }
            var total = (int)embeddings.shape[0];
            if (total < 3 || embeddings.shape[1] < 2)
            {
                return null;
            }
            // Evenly spaced rather than random samples: the same file always gives the same figure.
            var step = Math.Max(1, (total + MaxPoints - 1) / MaxPoints);
            var kept = arange(0, total, step, dtype: ScalarType.Int64);
            var points = embeddings.index_select(0, kept).to(float64);
            var centred = points - points.mean([0], keepdim: true);
            var covariance = centred.T.matmul(centred) / (centred.shape[0] - 1);
            // eigh: eigenvalues ascending, so the last two columns are the first two components.
            var (values, vectors) = linalg.eigh(covariance);
            var dims = values.shape[0];
            var variance = values.sum().item<double>();
            if (!(variance > 0))
            {
                return null;
            }
            var components = vectors.index_select(1, tensor(new long[] { dims - 1, dims - 2 }));
            var projected = centred.matmul(components).contiguous();
            var xy = projected.data<double>().ToArray();
            return new EmbeddingProjection(
                [.. xy.Where((_, i) => i % 2 == 0)],
                [.. xy.Where((_, i) => i % 2 == 1)],
                [.. labels.index_select(0, kept).to(int64).data<long>().ToArray().Select(l => (int)l)],
                (values[dims - 1].item<double>() / variance, values[dims - 2].item<double>() / variance),
                total);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
