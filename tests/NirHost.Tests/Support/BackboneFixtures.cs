using System.Collections.Concurrent;
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

    private static readonly ConcurrentDictionary<string, Lazy<string>> Unzipped = new(StringComparer.Ordinal);

    private static readonly Lazy<TempFolder> Cache = new(() =>
    {
        var folder = new TempFolder();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return folder;
    });

    /// <summary>
    /// The committed weights of <see cref="Folder"/> decompressed once per test run (tens of MB each, read by several entries);
    /// tests must not change the file. Other folders (damaged copies) are decompressed into <paramref name="scratch"/> each time.
    /// </summary>
    public static string UnzipShared(string folder, string gzipName, string scratch)
    {
        if (!string.Equals(Path.GetFullPath(folder), Path.GetFullPath(Folder), StringComparison.Ordinal))
        {
            return Unzip(folder, gzipName, scratch);
        }
        return Unzipped.GetOrAdd(gzipName, name => new Lazy<string>(() =>
        {
            var target = Directory.CreateDirectory(Path.Combine(Cache.Value.Path, Path.GetFileNameWithoutExtension(name) + "-" + Guid.NewGuid().ToString("N"))).FullName;
            return Unzip(Folder, name, target);
        })).Value;
    }
}
