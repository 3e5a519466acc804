using System.Buffers.Binary;
using System.IO.Compression;

namespace NirHost.Plugins.Datasets;

/// <summary>Reads unsigned-byte IDX files (the MNIST format), gzipped or plain.</summary>
internal static class IdxFile
{
    /// <summary>The dimensions and the bytes of <paramref name="path"/>, or of <paramref name="path"/>.gz when only that exists.</summary>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        var file = File.Exists(path) ? path : File.Exists(path + ".gz") ? path + ".gz" : null;
        if (file is null)
        {
            throw new FileNotFoundException($"IDX file {path}(.gz) does not exist.", path);
        }
        byte[] bytes;
        try
        {
            using var stream = File.OpenRead(file);
            using var plain = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
            using var memory = new MemoryStream();
            plain.CopyTo(memory);
            bytes = memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{file} is not a valid gzip file: {e.Message}", e);
        }
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
        {
            throw new InvalidDataException($"{file} is not an unsigned-byte IDX file (magic 0x0000 08 NN).");
        }
        var dimensions = bytes[3];
        var header = 4 + 4 * dimensions;
        if (dimensions == 0 || bytes.Length < header)
        {
            throw new InvalidDataException($"{file} has a truncated IDX header.");
        }
        var shape = new int[dimensions];
        long total = 1;
        for (var d = 0; d < dimensions; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            total *= shape[d];
        }
        if (bytes.Length - header != total)
        {
            throw new InvalidDataException($"{file} holds {bytes.Length - header} data bytes; its header promises {total}.");
        }
        return (shape, bytes[header..]);
    }
}
