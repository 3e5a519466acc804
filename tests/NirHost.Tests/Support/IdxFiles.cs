using System.Buffers.Binary;
using System.IO.Compression;

namespace NirHost.Tests.Support;

/// <summary>Writes small Fashion-MNIST-style IDX files (unsigned bytes), gzipped as Debian installs them or plain.</summary>
public static class IdxFiles
{
    public static void Write(string folder, string name, int[] shape, byte[] data, bool gzip = true)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var d = 0; d < shape.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), shape[d]);
        }
        var path = Path.Combine(folder, name + (gzip ? ".gz" : ""));
        using var file = File.Create(path);
        using Stream target = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(header);
        target.Write(data);
    }
}
