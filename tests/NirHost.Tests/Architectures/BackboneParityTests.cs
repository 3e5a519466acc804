using System.IO.Compression;
using System.Text.Json.Nodes;
using NirHost.Tests.Support;
using Xunit.Abstractions;

namespace NirHost.Tests.Architectures;

/// <summary>
/// resnet18, resnet50 and bninception with every suffix against the original's <c>architectures/*.py</c> wrappers
/// (tests/NirHost.Tests/fixtures/backbones), with the weights given through <c>--pretrained_weights</c> as safetensors and as
/// a torch.save pickle.
/// </summary>
public sealed class BackboneParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string> Entries => BackboneFixtures.EntriesAndFormats();

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_outputs_gradients_and_running_statistics_match_the_original(string entry, string format)
    {
        var measures = BackboneParity.Measure(BackboneFixtures.Folder, entry, format, _folder.Path);
        foreach (var measure in measures)
        {
            output.WriteLine(measure.ToString());
        }
        var failed = measures.Where(m => !m.Passed).ToList();
        Assert.True(failed.Count == 0, $"{entry} ({format}): {string.Join("; ", failed)}");
        // Each mode compares pooled features, embeddings, loss, the input gradient and named parameter gradients.
        Assert.True(measures.Count >= 10, $"{entry}: only {measures.Count} quantities compared.");
    }

    [Fact]
    public void Parity_fails_when_an_expectation_or_a_weight_of_the_fixture_is_corrupted()
    {
        const string entry = "resnet18";
        var copy = CopyFixture(entry);
        Assert.All(BackboneParity.Measure(copy, entry, "safetensors", Scratch()), m => Assert.True(m.Passed, m.ToString()));

        // One byte of the expected eval embeddings: its sign bit.
        FixtureCorruption.FlipByte(Path.Combine(copy, entry + ".safetensors"), "expect.eval.embeds", byteInTensor: 3);
        var failed = BackboneParity.Measure(copy, entry, "safetensors", Scratch()).Where(m => !m.Passed).Select(m => m.What).ToList();
        Assert.Contains("eval embeds", failed);

        // One byte in the middle of a convolution kernel of the weights: the outputs move in both modes and both formats.
        var intact = CopyFixture(entry);
        var weights = Path.Combine(intact, "resnet18_weights.safetensors.gz");
        var raw = Path.Combine(Scratch(), "resnet18_weights.safetensors");
        File.Copy(BackboneFixtures.Unzip(intact, "resnet18_weights.safetensors.gz", Scratch()), raw);
        FixtureCorruption.FlipByte(raw, "layer2.1.conv1.weight", byteInTensor: 1001);
        using (var source = File.OpenRead(raw))
        using (var target = new GZipStream(File.Create(weights), CompressionLevel.Fastest))
        {
            source.CopyTo(target);
        }
        var manifest = Path.Combine(intact, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json[entry]!["weights"] = new JsonArray("resnet18_weights.safetensors.gz");
        File.WriteAllText(manifest, json.ToJsonString());
        var moved = BackboneParity.Measure(intact, entry, "safetensors", Scratch()).Where(m => !m.Passed).Select(m => m.What).ToList();
        Assert.Contains("eval pooled", moved);
        Assert.Contains("train grad input", moved);
    }

    private string Scratch() => Directory.CreateDirectory(Path.Combine(_folder.Path, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>The entry's files and the manifest, copied so that a test can damage them.</summary>
    private string CopyFixture(string entry)
    {
        var target = Scratch();
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(BackboneFixtures.Folder, "manifest.json")))![entry]!;
        var files = new List<string> { "manifest.json", entry + ".safetensors", node["input"]!.GetValue<string>() };
        files.AddRange(node["weights"]!.AsArray().Select(f => f!.GetValue<string>()));
        foreach (var file in files)
        {
            File.Copy(Path.Combine(BackboneFixtures.Folder, file), Path.Combine(target, file));
        }
        return target;
    }
}
