using NirHost.Evaluation;
using NirHost.Host.IO;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>
/// <c>embeddings_test.safetensors</c>: a run's last test embeddings, rewritten after every evaluation of the test split,
/// in the format <c>nirhost evaluate --embeddings</c> reads (<c>embeddings</c> [N, D] float32, <c>labels</c> [N] int64).
/// The report projects them; <c>nirhost evaluate</c> scores them with other metrics without the model.
/// </summary>
public static class TestEmbeddingsFile
{
    public const string FileName = "embeddings_test.safetensors";

    /// <summary>The metadata entry naming the epoch whose embeddings the file holds.</summary>
    public const string EpochKey = "nirhost.epoch";

    /// <summary>
    /// With a query/gallery evaluation, the gallery's embeddings beside the queries' (which <see cref="FileName"/> then
    /// holds): <c>nirhost evaluate --query embeddings_test.safetensors --gallery embeddings_gallery.safetensors</c>.
    /// </summary>
    public const string GalleryFileName = "embeddings_gallery.safetensors";

    /// <summary>
    /// The queries to <paramref name="path"/> and the gallery to <see cref="GalleryFileName"/> beside it, labels as the
    /// splits number them (alike in both), so that <c>nirhost evaluate --query --gallery</c> scores them again.
    /// </summary>
    public static void Write(string path, QueryGalleryEvaluationData data, int epoch)
    {
        WriteSet(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, GalleryFileName), data.Gallery, data.GalleryLabelValues, epoch);
        WriteSet(path, data.Embeddings, data.QueryLabelValues, epoch);
    }

    private static void WriteSet(string path, Tensor embeddings, IReadOnlyList<long> values, int epoch)
    {
        using var labels = tensor(values.ToArray());
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embeddings"] = embeddings,
            ["labels"] = labels,
        }, new Dictionary<string, string>(StringComparer.Ordinal) { [EpochKey] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>Writes through a temporary file (<see cref="AtomicFile"/>); a failure is an IOException naming the file.</summary>
    public static void Write(string path, EvaluationData data, int epoch)
    {
        // The labels are the split's class indices, which is what evaluate maps any labels to anyway.
        using var labels = tensor(data.Labels.Select(label => (long)label).ToArray());
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embeddings"] = data.Embeddings,
            ["labels"] = labels,
        }, new Dictionary<string, string>(StringComparer.Ordinal) { [EpochKey] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }
}
