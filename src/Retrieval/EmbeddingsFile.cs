using System.Runtime.InteropServices;
using System.Text.Json;

namespace NirHost.Retrieval;

/// <summary>
/// The embeddings file <c>nirhost embed</c> writes and <c>nirhost evaluate</c> and <c>nirhost index build</c> read:
/// safetensors with <c>embeddings</c> [N, D] float32, <c>labels</c> [N] int64 where known, and in the metadata the image
/// paths as a JSON list (<see cref="PathsKey"/>) and what produced them (<see cref="RunKey"/>, <see cref="CheckpointKey"/>,
/// <see cref="SourceKey"/>). Any safetensors reader opens it.
/// </summary>
public static class EmbeddingsFile
{
    public const string EmbeddingsName = "embeddings";
    public const string LabelsName = "labels";

    /// <summary>Metadata: each row's source path, a JSON list of strings.</summary>
    public const string PathsKey = "nirhost.paths";

    /// <summary>Metadata: the run folder whose model made the embeddings.</summary>
    public const string RunKey = "nirhost.run";

    /// <summary>Metadata: the checkpoint file whose weights made them.</summary>
    public const string CheckpointKey = "nirhost.checkpoint";

    /// <summary>Metadata: the ONNX model (<c>nirhost export --onnx</c>) that made the embeddings, instead of a run's checkpoint.</summary>
    public const string OnnxModelKey = "nirhost.onnx_model";

    /// <summary>Metadata: what was embedded (<c>dataset NAME split SPLIT</c>, or the image folder or list).</summary>
    public const string SourceKey = "nirhost.source";

    /// <summary>Reads the whole file, checking shapes, types and (when recorded) digests; every problem names the file.</summary>
    public static EmbeddingSet Read(string path)
    {
        using var file = new SafeTensorsReader(path, "embeddings file");
        if (!file.Entries.TryGetValue(EmbeddingsName, out var embeddings))
        {
            throw new InvalidDataException($"{path} has no tensor '{EmbeddingsName}' (it holds: {string.Join(", ", file.Entries.Keys.Order(StringComparer.Ordinal))}); " +
                "expected 'embeddings' [N, D] float32 and optionally 'labels' [N] int64.");
        }
        var vectors = ReadMatrix(file, EmbeddingsName, out var dimension);
        var count = vectors.Length / dimension;
        return new EmbeddingSet(vectors, dimension, ReadLabels(file, count), ReadPaths(file.Metadata, count, path), file.Metadata);
    }

    /// <summary>A float matrix [N, D] (float32, or float64/float16 widened or narrowed to float32), its values checked finite.</summary>
    internal static float[] ReadMatrix(SafeTensorsReader file, string name, out int dimension)
    {
        var entry = file.Entries[name];
        if (entry.Shape.Length != 2 || entry.DType is not ("F32" or "F64" or "F16"))
        {
            throw new InvalidDataException($"{file.Path}: '{name}' is {entry.DType} [{string.Join(", ", entry.Shape)}], expected [N, D] float32.");
        }
        int count;
        (count, dimension) = checked(((int)entry.Shape[0], (int)entry.Shape[1]));
        if (dimension < 1)
        {
            throw new InvalidDataException($"{file.Path}: '{name}' has no columns.");
        }
        var vectors = new float[checked(count * dimension)];
        if (entry.DType == "F32")
        {
            // Straight into the rows: a million 128-d embeddings are half a gigabyte, not to be held twice.
            file.ReadInto(name, MemoryMarshal.AsBytes(vectors.AsSpan()));
        }
        else
        {
            var raw = new byte[entry.Length];
            file.ReadInto(name, raw);
            Widen(raw, entry.DType, vectors);
        }
        for (var i = 0; i < vectors.Length; i++)
        {
            if (!float.IsFinite(vectors[i]))
            {
                throw new InvalidDataException($"{file.Path}: '{name}' holds NaN or infinite values (first in row {i / dimension}).");
            }
        }
        return vectors;
    }

    /// <summary>The <c>labels</c> tensor, [N] int64 (or int32), or null when the file has none.</summary>
    internal static long[]? ReadLabels(SafeTensorsReader file, int count)
    {
        if (!file.Entries.TryGetValue(LabelsName, out var entry))
        {
            return null;
        }
        if (entry.Shape.Length != 1 || entry.Shape[0] != count || entry.DType is not ("I64" or "I32"))
        {
            throw new InvalidDataException($"{file.Path}: '{LabelsName}' is {entry.DType} [{string.Join(", ", entry.Shape)}], expected [{count}] int64.");
        }
        var bytes = new byte[entry.Length];
        file.ReadInto(LabelsName, bytes);
        return entry.DType == "I64"
            ? MemoryMarshal.Cast<byte, long>(bytes).ToArray()
            : [.. MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(l => (long)l)];
    }

    /// <summary>Writes <paramref name="set"/> (through a temporary file and a rename).</summary>
    public static void Write(string path, EmbeddingSet set)
    {
        var metadata = set.Metadata.Where(p => p.Key is not (PathsKey or SafeTensorsHeader.ChecksumsKey))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        using var writer = new EmbeddingsWriter(path, set.Count, set.Dimension, set.Paths, set.Labels is not null, metadata);
        writer.Append(set.Vectors, set.Labels ?? [], set.Paths);
        writer.Complete();
    }

    private static void Widen(byte[] raw, string dtype, float[] target)
    {
        switch (dtype)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(target);
                break;
            case "F64":
                var doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = (float)doubles[i];
                }
                break;
            default:
                var halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = (float)halves[i];
                }
                break;
        }
    }

    internal static IReadOnlyList<string>? ReadPaths(IReadOnlyDictionary<string, string> metadata, int count, string path)
    {
        if (!metadata.TryGetValue(PathsKey, out var json))
        {
            return null;
        }
        List<string>? paths;
        try
        {
            paths = JsonSerializer.Deserialize<List<string>>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: metadata '{PathsKey}' is not a JSON list of strings ({e.Message}).", e);
        }
        return paths is null || paths.Count != count
            ? throw new InvalidDataException($"{path}: metadata '{PathsKey}' lists {paths?.Count ?? 0} paths for {count} embeddings.")
            : paths;
    }
}
