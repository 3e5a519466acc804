using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace NirHost.Host.IO;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw
/// little-endian data): the format of the reference fixtures and of NirHost's checkpoints. Never pickle.
/// </summary>
public static class SafeTensorsFile
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Loads every tensor of the file onto the CPU. The caller owns (and disposes) the tensors.</summary>
    public static Dictionary<string, Tensor> Read(string path) => ReadWithMetadata(path).Tensors;

    /// <summary>Loads every tensor onto the CPU, with the string entries of the header's <c>__metadata__</c>.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) ReadWithMetadata(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read safetensors file {path}: {e.Message}", e);
        }
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: shorter than its 8-byte header length.");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
        {
            throw new InvalidDataException($"{path} is not a safetensors file: header length {headerLength} exceeds the file.");
        }
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength))?.AsObject()
                ?? throw new InvalidDataException("empty header");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: its header is not JSON ({e.Message}).", e);
        }

        var dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__" && node is JsonObject entries)
                {
                    foreach (var (key, value) in entries)
                    {
                        metadata[key] = value is JsonValue text && text.TryGetValue<string>(out var s) ? s
                            : throw new InvalidDataException($"metadata entry '{key}' is not a string");
                    }
                    continue;
                }
                if (name == "__metadata__" || node is null)
                {
                    continue;
                }
                var dtypeName = node["dtype"]?.GetValue<string>() ?? throw new InvalidDataException($"tensor '{name}' has no dtype");
                if (!DTypes.TryGetValue(dtypeName, out var dtype))
                {
                    throw new InvalidDataException($"tensor '{name}' has unsupported dtype {dtypeName}");
                }
                var shape = node["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || offsets[1] - offsets[0] != count * dtype.Size || dataStart + offsets[1] > bytes.Length)
                {
                    throw new InvalidDataException($"tensor '{name}' has data offsets that do not match its shape");
                }
                var tensor = empty(shape, dtype.Type);
                var span = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(offsets[1] - offsets[0]));
                tensor.bytes = span;
                result[name] = tensor;
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException)
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return (result, metadata);
    }

    /// <summary>Writes the tensors through a temporary file and a rename, so a kill never leaves half a file.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }
            header["__metadata__"] = meta;
        }
        var payloads = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var dtypeName = DTypes.First(pair => pair.Value.Type == tensor.dtype).Key;
            // The detached CPU copies are temporaries of this write; free them now rather than at finalisation.
            using var scope = NewDisposeScope();
            var data = tensor.detach().cpu().contiguous().bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            payloads.Add(data);
            offset += data.Length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header so the data starts 8-byte aligned, as the reference implementation does.
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
                stream.Write(length);
                stream.Write(headerBytes);
                for (var i = headerBytes.Length; i < padded; i++)
                {
                    stream.WriteByte((byte)' ');
                }
                foreach (var payload in payloads)
                {
                    stream.Write(payload);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new IOException($"Could not write {path}: {e.Message}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error is the one worth reporting.
        }
    }
}
