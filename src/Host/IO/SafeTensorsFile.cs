using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace NirHost.Host.IO;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw
/// little-endian data): the format of the reference fixtures and of NirHost's checkpoints. Never pickle.
/// </summary>
/// <remarks>
/// Files NirHost writes carry a SHA-256 digest of every tensor's data in their metadata (<see cref="ChecksumsKey"/>),
/// and reading verifies them: flipped bytes inside a tensor are an error naming the file and the tensor, not weights
/// loaded in silence. Files without digests (other writers' files, the reference fixtures) are read as they are.
/// </remarks>
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

    /// <summary>The metadata entry holding each tensor's SHA-256 digest as a JSON object of lowercase hex strings.</summary>
    public const string ChecksumsKey = "nirhost.sha256";

    /// <summary>Loads every tensor of the file onto the CPU. The caller owns (and disposes) the tensors.</summary>
    public static Dictionary<string, Tensor> Read(string path) => ReadWithMetadata(path).Tensors;

    /// <summary>Loads every tensor onto the CPU, with the string entries of the header's <c>__metadata__</c>.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) ReadWithMetadata(string path) =>
        Parse(path, materialize: true);

    /// <summary>
    /// Checks that the file is whole: its header parses, every tensor's data lies within it and matches its recorded
    /// checksum. Builds no tensors. Throws <see cref="InvalidDataException"/> naming what is wrong.
    /// </summary>
    public static void Verify(string path) => Parse(path, materialize: false);

    private static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Parse(string path, bool materialize)
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
            var checksums = header["__metadata__"]?[ChecksumsKey] is JsonValue digests
                ? JsonNode.Parse(digests.GetValue<string>())?.AsObject() ?? throw new InvalidDataException("empty checksum table")
                : null;
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
                var span = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(offsets[1] - offsets[0]));
                if (checksums is not null && !MatchesChecksum(checksums, name, span))
                {
                    throw new InvalidDataException($"tensor '{name}' does not match the checksum recorded when the file was written: the file is damaged");
                }
                if (materialize)
                {
                    var tensor = empty(shape, dtype.Type);
                    tensor.bytes = span;
                    result[name] = tensor;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or JsonException)
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
        // Contiguous CPU views of the data: the CPU tensors a checkpoint mostly holds are used in place, not copied.
        using var scope = NewDisposeScope();
        var payloads = tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Name: pair.Key, Source: pair.Value, Data: pair.Value.detach().cpu().contiguous()))
            .ToList();
        var meta = new JsonObject();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            meta[key] = value;
        }
        meta[ChecksumsKey] = new JsonObject(payloads.Select(p =>
            KeyValuePair.Create(p.Name, (JsonNode?)Convert.ToHexStringLower(SHA256.HashData(p.Data.bytes))))).ToJsonString();
        var header = new JsonObject { ["__metadata__"] = meta };
        long offset = 0;
        foreach (var (name, source, data) in payloads)
        {
            var dtypeName = DTypes.First(pair => pair.Value.Type == source.dtype).Key;
            var length = data.NumberOfElements * DTypes[dtypeName].Size;
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(source.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header so the data starts 8-byte aligned, as the reference implementation does.
        var padded = (headerBytes.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
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
                stream.Write(payload.Data.bytes);
            }
        });
    }

    private static bool MatchesChecksum(JsonObject checksums, string name, ReadOnlySpan<byte> data) =>
        checksums[name] is JsonValue expected && expected.TryGetValue<string>(out var hex)
        && string.Equals(hex, Convert.ToHexStringLower(SHA256.HashData(data)), StringComparison.Ordinal);
}
