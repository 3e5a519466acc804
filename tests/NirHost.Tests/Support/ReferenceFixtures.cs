using System.Text.Json.Nodes;
using NirHost.Host.IO;
using static TorchSharp.torch;

namespace NirHost.Tests.Support;

/// <summary>
/// The reference fixtures of the original implementation (tests/NirHost.Tests/fixtures/reference): every
/// manifest entry of a kind becomes one test case, so adding an entry and its file is enough to check it.
/// </summary>
public static class ReferenceFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "reference");

    /// <summary>Fixtures this project produced from the original code itself (tests/NirHost.Tests/fixtures/own), same format.</summary>
    public static string OwnFolder => Path.Combine(AppContext.BaseDirectory, "fixtures", "own");

    public static JsonObject Manifest => ManifestOf(Folder);

    public static JsonObject ManifestOf(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")))!.AsObject();

    /// <summary>Entry names of one kind, as xunit member data.</summary>
    public static TheoryData<string> OfKind(string kind) => OfKind(kind, Folder);

    public static TheoryData<string> OfKind(string kind, string folder)
    {
        var data = new TheoryData<string>();
        foreach (var (name, entry) in ManifestOf(folder).OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (entry?["kind"]?.GetValue<string>() == kind)
            {
                data.Add(name);
            }
        }
        return data;
    }

    public static ReferenceFixture Load(string name) => Load(name, Folder);

    public static ReferenceFixture Load(string name, string folder) =>
        new(name, ManifestOf(folder)[name]!.AsObject(), SafeTensorsFile.Read(Path.Combine(folder, name + ".safetensors")));
}

/// <summary>One fixture: its manifest entry and its tensors. Dispose to free the tensors.</summary>
public sealed class ReferenceFixture(string name, JsonObject entry, Dictionary<string, Tensor> tensors) : IDisposable
{
    public string Name { get; } = name;

    public JsonObject Entry { get; } = entry;

    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public Tensor this[string key] => Tensors.TryGetValue(key, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"Fixture {Name} has no tensor '{key}'.");

    public T Get<T>(string key) => Entry[key]!.GetValue<T>();

    public double Double(string key) => Entry[key]!.GetValue<double>();

    /// <summary>Relative tolerance by the fixture's dtype: 1e-8 for float64 references, 1e-4 for float32.</summary>
    public double Tolerance => (Entry["dtype"]?.GetValue<string>() ?? "float32") == "float64" ? 1e-8 : 1e-4;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
