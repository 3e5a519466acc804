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
