using System.Text.Json.Nodes;
using Google.Protobuf;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Inference;
using NirHost.Retrieval;
using NirHost.Tests.Retrieval;
using NirHost.Tests.Support;

namespace NirHost.Tests.Inference;

/// <summary>
/// <c>nirhost embed --onnx</c> and <c>nirhost search --onnx</c>: the tiny trained run exported with <c>nirhost export</c>,
/// run by ONNX Runtime, gives the run's own embeddings (TorchSharp) within 1e-5, and finds an indexed image first.
/// </summary>
[Collection(TrainedRunCollection.Name)]
public sealed class OnnxInferenceTests(TrainedRunFixture run)
{
    private string Export(string name)
    {
        var onnx = Path.Combine(run.Folder.Path, name);
        if (!File.Exists(onnx))
        {
            Assert.Equal(0, ExportCommand.Run(HostHarness.Catalog, TrainedRunFixture.Flags, [run.Summary.RunFolder, "--onnx", onnx], TextWriter.Null));
        }
        return onnx;
    }

    [Fact]
    public void Embedding_a_folder_with_the_exported_model_gives_the_runs_embeddings()
    {
        var onnx = Export("embed.onnx");
        var byRun = Path.Combine(run.Folder.Path, "by-run.safetensors");
        var byOnnx = Path.Combine(run.Folder.Path, "by-onnx.safetensors");

        TrainedRunFixture.Embed(run.Summary.RunFolder, "--images", run.Images, "--out", byRun, "--bs", "5");
        var message = TrainedRunFixture.Embed("--onnx", onnx, "--images", run.Images, "--out", byOnnx, "--bs", "5");

        Assert.Contains("Embedded 12 images", message);
        var expected = EmbeddingsFile.Read(byRun);
        var actual = EmbeddingsFile.Read(byOnnx);
        Assert.Equal(expected.Paths, actual.Paths);
        Assert.Null(actual.Labels);
        Assert.Equal((expected.Count, expected.Dimension), (actual.Count, actual.Dimension));
        var largest = expected.Vectors.Zip(actual.Vectors).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(largest <= 1e-5f, $"largest difference {largest}");
        Assert.Equal(onnx, actual.Metadata[EmbeddingsFile.OnnxModelKey]);
    }

    [Fact]
    public void Searching_with_the_exported_model_finds_an_indexed_image_first_and_an_onnx_index_remembers_its_model()
    {
        var onnx = Export("search.onnx");
        var embeddings = Path.Combine(run.Folder.Path, "onnx-gallery.safetensors");
        TrainedRunFixture.Embed("--onnx", onnx, "--images", run.Images, "--out", embeddings);
        var index = Path.Combine(run.Folder.Path, "onnx-gallery.index");
        TrainedRunFixture.BuildIndex(embeddings, "--out", index, "--kind", "hnsw", "--threads", "1");
        var query = Path.Combine(run.Images, "more", "img10.png");

        foreach (var results in new[]
        {
            TrainedRunFixture.Search(index, "--query", query, "-k", "3", "--onnx", onnx),
            TrainedRunFixture.Search(index, "--query", query, "-k", "3"),
        })
        {
            var matches = results.Single()!["matches"]!.AsArray();
            Assert.Equal(3, matches.Count);
            Assert.Equal(query, matches[0]!["path"]!.GetValue<string>());
            Assert.True(matches[0]!["distance"]!.GetValue<double>() < 1e-4);
        }
    }

    [Fact]
    public void Embed_onnx_refuses_run_flags_and_a_model_without_nirhost_metadata_naming_the_file_and_the_key()
    {
        var onnx = Export("refuse.onnx");
        var outPath = Path.Combine(run.Folder.Path, "refused.safetensors");

        var dataset = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Embed("--onnx", onnx, "--dataset", "synthetic", "--out", outPath));
        Assert.Contains("--dataset", dataset.Message);
        var folder = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Embed(run.Summary.RunFolder, "--onnx", onnx, "--images", run.Images, "--out", outPath));
        Assert.Contains(run.Summary.RunFolder, folder.Message);

        // The same graph without the nirhost.* metadata, as another exporter would write it.
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        var kept = model.MetadataProps.Where(p => p.Key != OnnxMetadataKeys.Mean).ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.Add(kept);
        var bare = Path.Combine(run.Folder.Path, "bare.onnx");
        File.WriteAllBytes(bare, model.ToByteArray());

        var missing = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Embed("--onnx", bare, "--images", run.Images, "--out", outPath));
        Assert.Contains(bare, missing.Message);
        Assert.Contains(OnnxMetadataKeys.Mean, missing.Message);
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void An_unreadable_image_is_an_error_naming_it_or_skipped_and_counted_when_asked()
    {
        var onnx = Export("skip.onnx");
        var (images, broken) = run.ImagesWithOneBroken("onnx-with-broken");
        var file = Path.Combine(run.Folder.Path, "onnx-broken.safetensors");

        var error = Assert.Throws<InvalidDataException>(() => TrainedRunFixture.Embed("--onnx", onnx, "--images", images, "--out", file));
        Assert.Contains(broken, error.Message);
        Assert.Contains("--skip_unreadable_images", error.Message);
        Assert.False(File.Exists(file));

        var message = TrainedRunFixture.Embed("--onnx", onnx, "--images", images, "--out", file, "--skip_unreadable_images", "--bs", "3");
        Assert.Contains($"skipped 1 unreadable image(s), the first: {broken}", message);
        var embedded = EmbeddingsFile.Read(file);
        Assert.Equal([Path.Combine(images, "a.png"), Path.Combine(images, "c.png")], embedded.Paths);
        // The rows are the images' own: the skipped image's row is closed up, not left behind.
        using var embedder = new OnnxEmbedder(onnx);
        Assert.Equal(embedder.EmbedFiles([Path.Combine(images, "c.png")]), embedded.Row(1).ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void The_metadata_reader_names_a_malformed_value()
    {
        var metadata = new Dictionary<string, string>
        {
            [OnnxMetadataKeys.FormatVersion] = "1", [OnnxMetadataKeys.Architecture] = "convnet", [OnnxMetadataKeys.InputSize] = "32",
            [OnnxMetadataKeys.Channels] = "3", [OnnxMetadataKeys.Mean] = "[0.5, 0.5, 0.5]", [OnnxMetadataKeys.Std] = "[0.25, 0.25, 0.25]",
            [OnnxMetadataKeys.ColourOrder] = "bgr", [OnnxMetadataKeys.ValueScale] = "255", [OnnxMetadataKeys.EmbeddingDim] = "16",
            [OnnxMetadataKeys.Normalized] = "true",
        };
        var contract = OnnxModelContract.Read(metadata, "m.onnx");
        Assert.Equal(new NirHost.Imaging.ImageInput(32, 3, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f], NirHost.Imaging.ImageColourOrder.Bgr, 255f), contract.Input);
        Assert.Equal((16, true), (contract.EmbeddingDim, contract.Normalized));

        metadata[OnnxMetadataKeys.Std] = "[0.25, 0.25]";
        var wrong = Assert.Throws<InvalidDataException>(() => OnnxModelContract.Read(metadata, "m.onnx"));
        Assert.Contains("m.onnx", wrong.Message);
        metadata[OnnxMetadataKeys.Std] = "[0.25, 0.25, 0.25]";
        metadata[OnnxMetadataKeys.ColourOrder] = "rbg";
        var order = Assert.Throws<InvalidDataException>(() => OnnxModelContract.Read(metadata, "m.onnx"));
        Assert.Contains($"{OnnxMetadataKeys.ColourOrder} = 'rbg'", order.Message);
    }
}
