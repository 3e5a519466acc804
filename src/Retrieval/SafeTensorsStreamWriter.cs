using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace NirHost.Retrieval;

/// <summary>
/// Writes a safetensors file tensor by tensor without holding the data: the header's room is reserved first (an upper
/// bound of its final length), tensors are appended and hashed as they stream, and the header, with each tensor's final
/// shape and SHA-256 digest, is written into its room at the end. The file is assembled under a temporary name beside the
/// target and renamed over it only when complete, so a kill never leaves half a file.
/// </summary>
internal sealed class SafeTensorsStreamWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly int _reserved;
    private readonly List<(string Name, string DType, long[] Shape, string Digest)> _written = [];
    private (string Name, string DType, IncrementalHash Hash, long Bytes)? _open;
    private bool _completed;

    /// <param name="reservedHeaderLength">Bytes of JSON the header may take at most (see <see cref="HeaderRoom"/>).</param>
    public SafeTensorsStreamWriter(string path, int reservedHeaderLength)
    {
        _path = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(_path)!;
        if (!Directory.Exists(folder))
        {
            throw new IOException($"{path}: the folder {folder} does not exist.");
        }
        _temporary = Path.Combine(folder, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _reserved = (reservedHeaderLength + 7) / 8 * 8;
        try
        {
            _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write {path}: {e.Message}", e);
        }
        _stream.SetLength(8 + _reserved);
        _stream.Position = 8 + _reserved;
    }

    /// <summary>
    /// The header room that entries of at most these shapes with this metadata need: the header's length with placeholder
    /// digests of a digest's length, since shapes only shrink, lists only lose items and digests keep their length.
    /// </summary>
    public static int HeaderRoom(IEnumerable<(string Name, string DType, long[] Shape)> largest, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? lists = null)
    {
        var entries = largest.ToList();
        var length = SafeTensorsHeader.Length(entries, WithDigests(metadata, entries.Select(e => (e.Name, new string('0', 64)))), lists);
        return length <= int.MaxValue - 8 ? (int)length : throw new InvalidOperationException($"A safetensors header of {length} bytes is too long.");
    }

    public void BeginTensor(string name, string dtype)
    {
        if (_open is not null)
        {
            throw new InvalidOperationException($"Tensor '{_open.Value.Name}' is still open.");
        }
        _open = (name, dtype, IncrementalHash.CreateHash(HashAlgorithmName.SHA256), 0);
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        var open = _open ?? throw new InvalidOperationException("No tensor is open.");
        open.Hash.AppendData(bytes);
        _stream.Write(bytes);
        _open = open with { Bytes = open.Bytes + bytes.Length };
    }

    public void EndTensor(params long[] shape)
    {
        var open = _open ?? throw new InvalidOperationException("No tensor is open.");
        var expected = shape.Aggregate(1L, (a, b) => a * b) * SafeTensorsHeader.ElementSizes[open.DType];
        if (expected != open.Bytes)
        {
            throw new InvalidOperationException($"Tensor '{open.Name}' of shape [{string.Join(", ", shape)}] needs {expected} bytes; {open.Bytes} were written.");
        }
        _written.Add((open.Name, open.DType, shape, Convert.ToHexStringLower(open.Hash.GetHashAndReset())));
        open.Hash.Dispose();
        _open = null;
    }

    /// <summary>Writes the header into its room, flushes to disk and puts the file in place.</summary>
    public void Complete(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, IReadOnlyList<string>>? lists = null)
    {
        if (_open is not null)
        {
            throw new InvalidOperationException($"Tensor '{_open.Value.Name}' is still open.");
        }
        var entries = _written.Select(w => (w.Name, w.DType, w.Shape)).ToList();
        var withDigests = WithDigests(metadata, _written.Select(w => (w.Name, w.Digest)));
        var length = SafeTensorsHeader.Length(entries, withDigests, lists);
        if (length > _reserved)
        {
            throw new InvalidOperationException($"The header of {_path} needs {length} bytes but {_reserved} were reserved.");
        }
        try
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)_reserved);
            _stream.Position = 0;
            _stream.Write(prefix);
            SafeTensorsHeader.Write(_stream, entries, withDigests, lists);
            // Spaces up to the data, as the format allows: the room was sized for the largest header.
            var padding = new byte[Math.Min(_reserved - length, 1 << 16)];
            padding.AsSpan().Fill((byte)' ');
            for (var left = _reserved - length; left > 0; left -= padding.Length)
            {
                _stream.Write(padding, 0, (int)Math.Min(left, padding.Length));
            }
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temporary, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write {_path}: {e.Message}", e);
        }
        _completed = true;
    }

    private static Dictionary<string, string> WithDigests(IReadOnlyDictionary<string, string> metadata, IEnumerable<(string Name, string Digest)> digests) =>
        new(metadata, StringComparer.Ordinal)
        {
            [SafeTensorsHeader.ChecksumsKey] = JsonSerializer.Serialize(digests.ToDictionary(d => d.Name, d => d.Digest, StringComparer.Ordinal)),
        };

    public void Dispose()
    {
        _open?.Hash.Dispose();
        _stream.Dispose();
        if (!_completed)
        {
            try
            {
                File.Delete(_temporary);
            }
            catch (IOException)
            {
                // A leftover temporary file is harmless; the target was never touched.
            }
        }
    }
}
