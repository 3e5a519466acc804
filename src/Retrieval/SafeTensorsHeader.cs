using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NirHost.Retrieval;

/// <summary>One tensor entry of a safetensors header: its dtype name, shape and byte range within the data section.</summary>
internal sealed record SafeTensorsEntry(string DType, long[] Shape, long Begin, long End)
{
    public long Length => End - Begin;

    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The safetensors header (8-byte little-endian length, then JSON: per tensor its dtype, shape and data offsets, plus a
/// <c>__metadata__</c> object of strings), read and written without TorchSharp. The digests NirHost's writers record under
/// <see cref="ChecksumsKey"/> (SHA-256 of each tensor's bytes) are the same as the host's checkpoints carry.
/// </summary>
internal static class SafeTensorsHeader
{
    public const string ChecksumsKey = "nirhost.sha256";

    public static readonly IReadOnlyDictionary<string, int> ElementSizes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Reads the header of <paramref name="stream"/>, leaving it positioned at the start of the data section.</summary>
    public static (Dictionary<string, SafeTensorsEntry> Entries, Dictionary<string, string> Metadata, long DataStart) Read(Stream stream, string path)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: shorter than its 8-byte header length.");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Max(0, stream.Length - 8) || headerLength > 1L << 31)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: header length {headerLength} exceeds the file.");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new InvalidDataException($"{path}: empty safetensors header.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: its header is not JSON ({e.Message}).", e);
        }
        var dataStart = 8 + (long)headerLength;
        var entries = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    foreach (var (key, value) in node?.AsObject() ?? [])
                    {
                        metadata[key] = value is JsonValue text && text.TryGetValue<string>(out var s)
                            ? s
                            : throw new InvalidDataException($"metadata entry '{key}' is not a string");
                    }
                    continue;
                }
                var dtype = node?["dtype"]?.GetValue<string>() ?? throw new InvalidDataException($"tensor '{name}' has no dtype");
                if (!ElementSizes.TryGetValue(dtype, out var size))
                {
                    throw new InvalidDataException($"tensor '{name}' has unsupported dtype {dtype}");
                }
                var shape = node["shape"]?.AsArray().Select(x => x!.GetValue<long>()).ToArray() ?? throw new InvalidDataException($"tensor '{name}' has no shape");
                var offsets = node["data_offsets"]?.AsArray().Select(x => x!.GetValue<long>()).ToArray() ?? [];
                var entry = offsets.Length == 2 ? new SafeTensorsEntry(dtype, shape, offsets[0], offsets[1]) : null;
                if (entry is null || shape.Any(d => d < 0) || entry.Begin < 0 || entry.Length != entry.Elements * size || dataStart + entry.End > stream.Length)
                {
                    throw new InvalidDataException($"tensor '{name}' has data offsets that do not match its shape or lie beyond the file");
                }
                entries[name] = entry;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed safetensors header ({e.Message}).", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}.", e);
        }
        return (entries, metadata, dataStart);
    }

    /// <summary>The recorded SHA-256 digests (lowercase hex by tensor name), or null when the writer recorded none.</summary>
    public static IReadOnlyDictionary<string, string>? Checksums(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(ChecksumsKey, out var json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json)
                ?? throw new InvalidDataException($"{path}: empty checksum table.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: its checksum table is not JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Writes the header's JSON for <paramref name="entries"/> in order (offsets assigned back to back) to
    /// <paramref name="destination"/> and returns its length in bytes; no length prefix, no padding.
    /// </summary>
    /// <param name="lists">
    /// Metadata whose values are JSON lists of strings (an embeddings file's paths). Readers see a string holding the list's
    /// JSON, as for any metadata value, but the writer streams it item by item: 100,000 paths never become one string.
    /// </param>
    public static long Write(Stream destination, IEnumerable<(string Name, string DType, long[] Shape)> entries,
        IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, IReadOnlyList<string>>? lists = null)
    {
        using var json = new Utf8JsonWriter(destination, WriterOptions);
        json.WriteStartObject();
        json.WriteStartObject("__metadata__");
        var keys = metadata.Keys.Concat(lists?.Keys ?? []).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            json.WritePropertyName(key);
            if (metadata.TryGetValue(key, out var value))
            {
                json.WriteStringValue(value);
                continue;
            }
            var items = lists![key];
            json.WriteStringValueSegment("[", isFinalSegment: false);
            for (var i = 0; i < items.Count; i++)
            {
                json.WriteStringValueSegment(JsonSerializer.Serialize(items[i], ItemOptions), isFinalSegment: false);
                json.WriteStringValueSegment(i + 1 < items.Count ? "," : "", isFinalSegment: false);
                if (json.BytesPending > FlushEvery)
                {
                    json.Flush();
                }
            }
            json.WriteStringValueSegment("]", isFinalSegment: true);
        }
        json.WriteEndObject();
        long offset = 0;
        foreach (var (name, dtype, shape) in entries)
        {
            var length = shape.Aggregate(1L, (a, b) => a * b) * ElementSizes[dtype];
            json.WriteStartObject(name);
            json.WriteString("dtype", dtype);
            json.WriteStartArray("shape");
            foreach (var dimension in shape)
            {
                json.WriteNumberValue(dimension);
            }
            json.WriteEndArray();
            json.WriteStartArray("data_offsets");
            json.WriteNumberValue(offset);
            json.WriteNumberValue(offset + length);
            json.WriteEndArray();
            json.WriteEndObject();
            offset += length;
        }
        json.WriteEndObject();
        json.Flush();
        return json.BytesCommitted;
    }

    /// <summary>The length <see cref="Write"/> would return, without writing anything.</summary>
    public static long Length(IEnumerable<(string Name, string DType, long[] Shape)> entries, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? lists = null) =>
        Write(Stream.Null, entries, metadata, lists);

    /// <summary>Bytes the JSON writer may hold before handing them to the stream.</summary>
    private const int FlushEvery = 1 << 16;

    // Quotes as \" and non-ASCII as UTF-8 rather than \u0022 and \u00e9: a header is not embedded in HTML, and paths stay
    // readable (and short) to any JSON reader.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions ItemOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
