using System.Buffers.Binary;

namespace NirHost.Tests.Support;

/// <summary>TensorBoard event files as TensorBoard reads them: TFRecord framing with masked CRC-32C checksums, Event protobufs.</summary>
public static class TensorBoardEvents
{
    /// <summary>Reads a TensorBoard event file, checking each record's framing and masked CRC-32C checksums.</summary>
    public static List<Tensorboard.Event> Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        var position = 0;
        while (position < bytes.Length)
        {
            Assert.True(bytes.Length - position >= 12, "truncated record header");
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(position));
            Assert.Equal(MaskedCrc(bytes.AsSpan(position, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 8)));
            var data = bytes.AsSpan(position + 12, length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 12 + length)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            position += 12 + length + 4;
        }
        return events;
    }

    /// <summary>TFRecord's checksum: CRC-32C (Castagnoli), rotated right by 15 bits plus a constant.</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
