namespace NirHost.Retrieval;

/// <summary>
/// Embeddings as an application holds them: <see cref="Count"/> rows of <see cref="Dimension"/> float32 values, row-major,
/// with each row's class label and source path where known, and the file's metadata (what made them: run, checkpoint).
/// </summary>
public sealed class EmbeddingSet
{
    public EmbeddingSet(float[] vectors, int dimension, long[]? labels = null, IReadOnlyList<string>? paths = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (dimension < 1 || vectors.Length % dimension != 0)
        {
            throw new ArgumentException($"{vectors.Length} values do not make rows of {dimension}.", nameof(vectors));
        }
        Count = vectors.Length / dimension;
        if (labels is not null && labels.Length != Count)
        {
            throw new ArgumentException($"{labels.Length} labels for {Count} embeddings.", nameof(labels));
        }
        if (paths is not null && paths.Count != Count)
        {
            throw new ArgumentException($"{paths.Count} paths for {Count} embeddings.", nameof(paths));
        }
        Vectors = vectors;
        Dimension = dimension;
        Labels = labels;
        Paths = paths;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    public float[] Vectors { get; }

    public int Count { get; }

    public int Dimension { get; }

    public long[]? Labels { get; }

    public IReadOnlyList<string>? Paths { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public ReadOnlySpan<float> Row(int index) => Vectors.AsSpan(index * Dimension, Dimension);
}
