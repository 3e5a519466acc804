using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using NirHost.Host.IO;
using NirHost.Retrieval;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Retrieval;

/// <summary>The embeddings file: safetensors any reader opens, written in a stream of batches.</summary>
public sealed class EmbeddingsFileTests
{
    /// <summary>
    /// A reader written from the format's description alone (8-byte little-endian header length, a JSON header of dtype,
    /// shape and data_offsets per tensor relative to the end of the header, a __metadata__ object of strings), so that the
    /// file is checked against the format rather than against NirHost's own reader.
    /// </summary>
    internal static (Dictionary<string, (string DType, long[] Shape, byte[] Data)> Tensors, Dictionary<string, string> Metadata) ReadByTheSpecification(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var tensors = new Dictionary<string, (string, long[], byte[])>();
        var metadata = new Dictionary<string, string>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var entry in property.Value.EnumerateObject())
                {
                    metadata[entry.Name] = entry.Value.GetString()!;
                }
                continue;
            }
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            tensors[property.Name] = (property.Value.GetProperty("dtype").GetString()!,
                property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                bytes[(8 + headerLength + (int)offsets[0])..(8 + headerLength + (int)offsets[1])]);
        }
        return (tensors, metadata);
    }

    [Fact]
    public void A_streamed_file_holds_the_appended_rows_labels_and_paths_for_a_reader_of_the_format()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "out.safetensors");
        // Paths stream into the header item by item, escaped twice (a JSON list inside a JSON string): quotes, backslashes,
        // brackets, commas and characters beyond ASCII come back as they went in.
        var candidates = Enumerable.Range(0, 10).Select(i => $"/data/{(i % 2 == 0 ? "images" : "photos \"été\" [1,2]\\😀")}/{i}.jpg").ToList();
        using (var writer = new EmbeddingsWriter(file, capacity: 10, dimension: 3, candidates, withLabels: true,
            new Dictionary<string, string> { [EmbeddingsFile.RunKey] = "/runs/a" }))
        {
            writer.Append([1, 2, 3, 4, 5, 6], [7, 8], [candidates[0], candidates[1]]);
            // Row 2 was unreadable and left out: fewer rows than announced.
            writer.Append([7, 8, 9], [9], [candidates[3]]);
            Assert.False(File.Exists(file));
            writer.Complete();
        }

        var (tensors, metadata) = ReadByTheSpecification(file);
        Assert.Equal("F32", tensors["embeddings"].DType);
        Assert.Equal([3, 3], tensors["embeddings"].Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensors["embeddings"].Data).ToArray());
        Assert.Equal("I64", tensors["labels"].DType);
        Assert.Equal([3], tensors["labels"].Shape);
        Assert.Equal(new long[] { 7, 8, 9 }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensors["labels"].Data).ToArray());
        Assert.Equal(new[] { candidates[0], candidates[1], candidates[3] }, JsonSerializer.Deserialize<string[]>(metadata[EmbeddingsFile.PathsKey]));
        Assert.Equal("/runs/a", metadata[EmbeddingsFile.RunKey]);
        Assert.Equal([file], Directory.GetFiles(folder.Path));

        // NirHost's checkpoint reader verifies the digests the streaming writer recorded.
        var read = SafeTensorsFile.Read(file);
        Assert.Equal(new long[] { 3, 3 }, read["embeddings"].shape);
        foreach (var tensor in read.Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void A_header_of_thousands_of_paths_is_written_in_pieces_and_read_back_whole_without_wasted_room()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "many.safetensors");
        var paths = Enumerable.Range(0, 4000).Select(i => $"/datasets/products/{i % 37:D3}/\"item\" {i:D6} — view {i % 5}.jpeg").ToList();
        using (var writer = new EmbeddingsWriter(file, paths.Count, dimension: 2, paths, withLabels: false))
        {
            for (var start = 0; start < paths.Count; start += 500)
            {
                var rows = Enumerable.Range(start, 500).SelectMany(i => new[] { (float)i, -i }).ToArray();
                writer.Append(rows, [], paths.GetRange(start, 500));
            }
            writer.Complete();
        }

        var read = EmbeddingsFile.Read(file);
        Assert.Equal(paths, read.Paths);
        Assert.Equal(new float[] { 3999, -3999 }, read.Vectors[^2..]);
        // The header is the paths' JSON escaped once more plus a few hundred bytes: no room reserved beyond it.
        using var stream = File.OpenRead(file);
        var headerLength = new BinaryReader(stream).ReadInt64();
        var pathsJson = JsonSerializer.Serialize(paths, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var escapedOnceMore = JsonSerializer.Serialize(pathsJson, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.InRange(headerLength, System.Text.Encoding.UTF8.GetByteCount(escapedOnceMore), System.Text.Encoding.UTF8.GetByteCount(escapedOnceMore) + 1024);
    }

    [Fact]
    public void Files_of_other_writers_and_damaged_files_are_read_or_refused_with_the_file_named()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "other.safetensors");
        using (var embeddings = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2]))
        using (var labels = tensor(new long[] { 4, 5, 4 }))
        {
            SafeTensorsFile.Write(file, new Dictionary<string, Tensor> { ["embeddings"] = embeddings, ["labels"] = labels });
        }

        var set = EmbeddingsFile.Read(file);
        Assert.Equal((3, 2), (set.Count, set.Dimension));
        Assert.Equal(new long[] { 4, 5, 4 }, set.Labels);
        Assert.Null(set.Paths);

        var bytes = File.ReadAllBytes(file);
        bytes[^30] ^= 0x01;
        File.WriteAllBytes(file, bytes);
        var damaged = Assert.Throws<InvalidDataException>(() => EmbeddingsFile.Read(file));
        Assert.Contains(file, damaged.Message);

        var missing = Path.Combine(folder.Path, "none.safetensors");
        Assert.Contains(missing, Assert.Throws<IOException>(() => EmbeddingsFile.Read(missing)).Message);
        File.WriteAllText(missing, "not safetensors");
        Assert.Contains(missing, Assert.Throws<InvalidDataException>(() => EmbeddingsFile.Read(missing)).Message);
    }
}
