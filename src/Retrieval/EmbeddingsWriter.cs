using System.Runtime.InteropServices;

namespace NirHost.Retrieval;

/// <summary>
/// Streams an <see cref="EmbeddingsFile"/> to disk batch by batch, so that embedding any number of images holds one
/// batch of embeddings at a time (plus each row's path and label, which the header needs at the end). Rows may be fewer
/// than announced (images skipped as unreadable); the file appears, whole, only on <see cref="Complete"/>.
/// </summary>
public sealed class EmbeddingsWriter : IDisposable
{
    private readonly SafeTensorsStreamWriter _writer;
    private readonly int _capacity;
    private readonly bool _withLabels;
    private readonly bool _withPaths;
    private readonly List<long> _labels = [];
    private readonly List<string> _paths = [];
    private readonly Dictionary<string, string> _metadata;

    /// <param name="capacity">The most rows that will be appended (the header's room is sized for them).</param>
    /// <param name="paths">Every path that may be appended (an upper bound of the paths' JSON), or null when rows have none.</param>
    /// <param name="withLabels">Whether rows come with class labels.</param>
    public EmbeddingsWriter(string path, int capacity, int dimension, IReadOnlyList<string>? paths, bool withLabels,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        _capacity = capacity;
        Dimension = dimension;
        _withLabels = withLabels;
        _withPaths = paths is not null;
        _metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        _writer = new SafeTensorsStreamWriter(path, SafeTensorsStreamWriter.HeaderRoom(Entries(capacity), _metadata, PathList(paths)));
        _writer.BeginTensor(EmbeddingsFile.EmbeddingsName, "F32");
    }

    public int Dimension { get; }

    public int Count { get; private set; }

    /// <summary>Appends rows (row-major, <see cref="Dimension"/> values each) with their labels and paths where the file has them.</summary>
    public void Append(ReadOnlySpan<float> rows, ReadOnlySpan<long> labels, IReadOnlyList<string>? paths)
    {
        var count = rows.Length / Dimension;
        if (rows.Length % Dimension != 0 || Count + count > _capacity)
        {
            throw new ArgumentException($"{rows.Length} values are not whole rows of {Dimension}, or exceed the {_capacity} rows announced.", nameof(rows));
        }
        if (_withLabels != (labels.Length > 0) || (_withLabels && labels.Length != count) || _withPaths != (paths is not null) || (paths is not null && paths.Count != count))
        {
            throw new ArgumentException($"Rows need {(_withLabels ? "a label" : "no label")} and {(_withPaths ? "a path" : "no path")} each.");
        }
        for (var i = 0; i < rows.Length; i++)
        {
            if (!float.IsFinite(rows[i]))
            {
                throw new InvalidDataException($"Embedding {Count + i / Dimension}{(paths is null ? "" : $" ({paths[i / Dimension]})")} holds NaN or infinity.");
            }
        }
        _writer.Append(MemoryMarshal.AsBytes(rows));
        foreach (var label in labels)
        {
            _labels.Add(label);
        }
        if (paths is not null)
        {
            _paths.AddRange(paths);
        }
        Count += count;
    }

    public void Complete()
    {
        _writer.EndTensor(Count, Dimension);
        if (_withLabels)
        {
            _writer.BeginTensor(EmbeddingsFile.LabelsName, "I64");
            _writer.Append(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_labels)));
            _writer.EndTensor(Count);
        }
        _writer.Complete(_metadata, PathList(_withPaths ? _paths : null));
    }

    private static Dictionary<string, IReadOnlyList<string>>? PathList(IReadOnlyList<string>? paths) =>
        paths is null ? null : new(StringComparer.Ordinal) { [EmbeddingsFile.PathsKey] = paths };

    private List<(string Name, string DType, long[] Shape)> Entries(long rows)
    {
        var entries = new List<(string, string, long[])> { (EmbeddingsFile.EmbeddingsName, "F32", [rows, Dimension]) };
        if (_withLabels)
        {
            entries.Add((EmbeddingsFile.LabelsName, "I64", [rows]));
        }
        return entries;
    }

    public void Dispose() => _writer.Dispose();
}
