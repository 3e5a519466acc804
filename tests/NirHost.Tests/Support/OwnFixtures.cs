using System.Text.Json.Nodes;
using NirHost.Host.IO;

namespace NirHost.Tests.Support;

/// <summary>
/// Fixtures this project produced itself by running the original code (tests/NirHost.Tests/fixtures/&lt;set&gt;),
/// in the format of <see cref="ReferenceFixtures"/>: every manifest entry of a kind becomes one test case.
/// </summary>
public sealed class OwnFixtures(string set)
{
    public static OwnFixtures Miners { get; } = new("own-miners");

    public static OwnFixtures Samplers { get; } = new("own-samplers");

    public string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", set);

    public JsonObject Manifest => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")))!.AsObject();

    public TheoryData<string> OfKind(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var (name, entry) in Manifest.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (entry?["kind"]?.GetValue<string>() == kind)
            {
                data.Add(name);
            }
        }
        return data;
    }

    public ReferenceFixture Load(string name) =>
        new(name, Manifest[name]!.AsObject(), SafeTensorsFile.Read(Path.Combine(Folder, name + ".safetensors")));
}
