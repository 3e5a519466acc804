using System.Security.Cryptography;

namespace NirHost.Retrieval;

/// <summary>
/// An open safetensors file: its entries and metadata, and reads of one tensor's bytes checked against the digest the
/// writer recorded (files without digests, other writers' files, are read as they are). Every error names the file.
/// </summary>
internal sealed class SafeTensorsReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly IReadOnlyDictionary<string, string>? _checksums;

    public SafeTensorsReader(string path, string role)
    {
        Path = path;
        try
        {
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read {role} {path}: {e.Message}", e);
        }
        try
        {
            (Entries, Metadata, _dataStart) = SafeTensorsHeader.Read(_stream, path);
            _checksums = SafeTensorsHeader.Checksums(Metadata, path);
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafeTensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads tensor <paramref name="name"/> into <paramref name="destination"/> (its exact length) and checks its digest.</summary>
    public void ReadInto(string name, Span<byte> destination)
    {
        var entry = Entries[name];
        _stream.Position = _dataStart + entry.Begin;
        _stream.ReadExactly(destination);
        if (_checksums is not null && !string.Equals(Expected(name), Convert.ToHexStringLower(SHA256.HashData(destination)), StringComparison.Ordinal))
        {
            throw Damaged(name);
        }
    }

    /// <summary>
    /// Checks tensor <paramref name="name"/>'s digest by reading it through, then leaves the stream at its start for a
    /// reader that takes a stream (one too large to hold twice).
    /// </summary>
    public Stream Verified(string name)
    {
        var entry = Entries[name];
        if (_checksums is not null)
        {
            _stream.Position = _dataStart + entry.Begin;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            for (var left = entry.Length; left > 0;)
            {
                var read = _stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    throw new EndOfStreamException($"{Path}: tensor '{name}' ends early.");
                }
                hash.AppendData(buffer, 0, read);
                left -= read;
            }
            if (!string.Equals(Expected(name), Convert.ToHexStringLower(hash.GetHashAndReset()), StringComparison.Ordinal))
            {
                throw Damaged(name);
            }
        }
        _stream.Position = _dataStart + entry.Begin;
        return _stream;
    }

    private string? Expected(string name) => _checksums!.TryGetValue(name, out var digest) ? digest : null;

    private InvalidDataException Damaged(string name) =>
        new($"{Path}: tensor '{name}' does not match the checksum recorded when the file was written: the file is damaged.");

    public void Dispose() => _stream.Dispose();
}
