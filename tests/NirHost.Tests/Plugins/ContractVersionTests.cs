using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using NirHost.Abstractions;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Plugins;

/// <summary>NirHost.Abstractions is versioned semantically; plugins built against an incompatible version are refused.</summary>
public sealed class ContractVersionTests : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly PluginLoaderPool _pool = new();

    public void Dispose()
    {
        _pool.Dispose();
        _root.Dispose();
    }

    /// <summary>
    /// Installs the good test plugin with its reference to NirHost.Abstractions rewritten to another version,
    /// exactly what compiling it against that version of the package records.
    /// </summary>
    private string InstallBuiltAgainst(Version version)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "testplugins", "NirHost.TestPlugins.Good", "NirHost.TestPlugins.Good.dll");
        var target = Path.Combine(_root.Path, "Metrics", "NirHost.TestPlugins.Good");
        Directory.CreateDirectory(target);
        var bytes = File.ReadAllBytes(source);
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var reader = pe.GetMetadataReader();
            var row = reader.AssemblyReferences.Select((handle, index) => (reader.GetAssemblyReference(handle), index))
                .Single(r => reader.GetString(r.Item1.Name) == "NirHost.Abstractions").index;
            // AssemblyRef rows start with MajorVersion, MinorVersion, BuildNumber, RevisionNumber (ECMA-335 II.22.5).
            var offset = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.AssemblyRef) + row * reader.GetTableRowSize(TableIndex.AssemblyRef);
            BitConverter.TryWriteBytes(bytes.AsSpan(offset, 2), (ushort)version.Major);
            BitConverter.TryWriteBytes(bytes.AsSpan(offset + 2, 2), (ushort)version.Minor);
            BitConverter.TryWriteBytes(bytes.AsSpan(offset + 4, 2), (ushort)version.Build);
        }
        File.WriteAllBytes(Path.Combine(target, "NirHost.TestPlugins.Good.dll"), bytes);
        return target;
    }

    private static Version Provided => typeof(ComponentAttribute).Assembly.GetName().Version!;

    [Fact]
    public void A_plugin_built_against_another_major_version_is_refused_naming_both_versions()
    {
        InstallBuiltAgainst(new Version(Provided.Major + 1, 0, 0));

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Components);
        var problem = Assert.Single(catalog.Problems);
        Assert.Contains($"built against NirHost.Abstractions {Provided.Major + 1}.0.0", problem.Reason);
        Assert.Contains($"provides NirHost.Abstractions {Provided.Major}.{Provided.Minor}.{Provided.Build}", problem.Reason);
        Assert.Contains("major versions differ", problem.Reason);
    }

    [Fact]
    public void A_plugin_built_against_abstractions_1_x_is_refused_since_2_0_changed_the_contracts()
    {
        Assert.Equal(2, Provided.Major);
        InstallBuiltAgainst(new Version(1, 1, 0));

        var catalog = _pool.Scan([_root.Path]);

        Assert.Empty(catalog.Components);
        var problem = Assert.Single(catalog.Problems);
        Assert.Contains($"built against NirHost.Abstractions 1.1.0, but this nirhost provides NirHost.Abstractions {Provided.ToString(3)}", problem.Reason);
        Assert.Contains("rebuild the plugin against NirHost.Abstractions 2.x", problem.Reason);
    }

    [Fact]
    public void A_plugin_built_against_a_newer_minor_version_is_refused_and_the_same_version_loads()
    {
        InstallBuiltAgainst(new Version(Provided.Major, Provided.Minor + 1, 0));
        var problem = Assert.Single(_pool.Scan([_root.Path]).Problems);
        Assert.Contains("update nirhost", problem.Reason);

        using var pool = new PluginLoaderPool();
        InstallBuiltAgainst(new Version(Provided.Major, 0, 0));
        var catalog = pool.Scan([_root.Path]);
        Assert.Empty(catalog.Problems);
        Assert.Equal("constant", Assert.Single(catalog.Components).Name);
    }

    [Fact]
    public void The_contracts_carry_a_semantic_version_of_at_least_one()
    {
        Assert.True(Provided.Major >= 1, $"NirHost.Abstractions is {Provided}");
    }
}
