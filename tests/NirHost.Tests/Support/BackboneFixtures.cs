using System.IO.Compression;

namespace NirHost.Tests.Support;

/// <summary>
/// The backbone fixtures made with the original's <c>architectures/*.py</c> (tests/NirHost.Tests/fixtures/backbones):
/// one manifest entry per <c>--arch</c> variant, its expectations in <c>{arch}.safetensors</c>, the shared input batch
/// and the weights (gzip-compressed, as the original's state dict) named by the entry.
/// </summary>
public static class BackboneFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "backbones");

    /// <summary>Every variant with each weights format its entry lists (safetensors for all, the pickle for the plain networks).</summary>
    public static TheoryData<string, string> EntriesAndFormats()
    {
        var data = new TheoryData<string, string>();
        var manifest = ReferenceFixtures.ManifestOf(Folder);
        foreach (var name in ReferenceFixtures.OfKind("backbone", Folder))
        {
            foreach (var format in manifest[name]!["formats"]!.AsArray())
            {
                data.Add(name, format!.GetValue<string>());
            }
        }
        return data;
    }

    /// <summary>Decompresses <paramref name="gzipName"/> of <paramref name="folder"/> into <paramref name="target"/>, keeping the inner name.</summary>
    public static string Unzip(string folder, string gzipName, string target)
    {
        var path = Path.Combine(target, Path.GetFileNameWithoutExtension(gzipName));
        using var source = new GZipStream(File.OpenRead(Path.Combine(folder, gzipName)), CompressionMode.Decompress);
        using var destination = File.Create(path);
        source.CopyTo(destination);
        return path;
    }
}
