using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace NirHost.Tests.Support;

/// <summary>Damages fixture files on purpose, to show that a parity test notices.</summary>
public static class FixtureCorruption
{
    /// <summary>Inverts byte <paramref name="byteInTensor"/> of tensor <paramref name="tensor"/> in a safetensors file.</summary>
    public static void FlipByte(string path, string tensor, int byteInTensor)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!;
        var start = header[tensor]!["data_offsets"]![0]!.GetValue<long>();
        bytes[8 + headerLength + (int)start + byteInTensor] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }
}
