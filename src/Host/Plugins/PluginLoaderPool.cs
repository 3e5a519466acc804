using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;

namespace NirHost.Host.Plugins;

/// <summary>
/// Loads plugin assemblies laid out as <c>&lt;root&gt;/&lt;Kind&gt;/&lt;PluginName&gt;/&lt;PluginName&gt;.dll</c>, or built
/// from plugin projects under a root (<see cref="PluginTree"/>).
/// Loaders are unloadable with hot reload on and live as long as the pool, so a plugin rebuilt on disk is
/// picked up by the next <see cref="Scan"/> in the same process.
/// </summary>
public sealed class PluginLoaderPool : IDisposable
{
    // Types whose assemblies the host shares with every plugin, so that a plugin's Criterion is the host's Criterion.
    private static readonly Type[] SharedTypes =
    [
        typeof(ComponentAttribute),
        typeof(TorchSharp.torch),
        typeof(ILogger),
        typeof(IServiceProvider),
        typeof(IServiceCollection),
        typeof(ActivatorUtilities),
    ];

    // Keyed by assembly path as the file system compares it: one assembly reached through two spellings is one loader.
    private readonly Dictionary<string, PluginLoader> _loaders = new(NirHost.Host.IO.FilePaths.Comparer);
    private readonly Lock _gate = new();

    /// <summary>Raised when a loaded plugin was reloaded after its files changed.</summary>
    public event Action<string>? PluginReloaded;

    /// <summary>
    /// Every plugin under the roots (laid out, or plugin projects with their build output: <see cref="PluginTree"/>).
    /// One assembly found more than once is loaded once: from the first root that has it, so that a plugin given with
    /// --plugins replaces the same plugin installed beside the host; within a root, the newest build wins.
    /// </summary>
    public PluginCatalog Scan(IEnumerable<string> roots)
    {
        var components = new List<ComponentDescriptor>();
        var problems = new List<PluginProblem>();
        var chosen = new Dictionary<string, PluginCandidate>(StringComparer.OrdinalIgnoreCase);
        var shadowed = new List<ShadowedPlugin>();
        foreach (var root in NirHost.Host.IO.FilePaths.DistinctFolders(roots, NirHost.Host.IO.FilePaths.Comparison))
        {
            if (!Directory.Exists(root))
            {
                problems.Add(new PluginProblem(root, "plugins folder does not exist"));
                continue;
            }
            var found = new List<PluginCandidate>();
            PluginTree.Find(root, found, problems);
            foreach (var copies in found.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
            {
                var newest = copies.MaxBy(c => File.GetLastWriteTimeUtc(c.AssemblyPath))!;
                var earlier = chosen.GetValueOrDefault(newest.Name);
                foreach (var copy in copies.Where(c => earlier is not null || c != newest))
                {
                    shadowed.Add(earlier is null
                        ? new ShadowedPlugin(copy.AssemblyPath, newest.AssemblyPath, "a newer build of it is in the same plugins folder")
                        : new ShadowedPlugin(copy.AssemblyPath, earlier.AssemblyPath, "it is in a plugins folder that comes first"));
                }
                if (earlier is null)
                {
                    chosen[newest.Name] = newest;
                }
            }
        }
        foreach (var candidate in chosen.Values)
        {
            ScanAssembly(candidate.AssemblyPath, candidate.Kind, components, problems);
        }
        return new PluginCatalog(components, problems, FindConflicts(components), shadowed);
    }

    /// <summary>
    /// One plugin, given as its assembly, its folder (<c>&lt;Kind&gt;/&lt;PluginName&gt;/</c>) or its project (built),
    /// or every plugin under a plugins root. The Kind folder is checked when the plugin sits in one.
    /// </summary>
    public PluginCatalog ScanPath(string path)
    {
        path = NirHost.Host.IO.FilePaths.Normalize(path);
        if (Directory.Exists(path) && Directory.GetDirectories(path).Any(d => ComponentKinds.TryParseFolder(Path.GetFileName(d), out _)))
        {
            return Scan([path]);
        }
        var components = new List<ComponentDescriptor>();
        var problems = new List<PluginProblem>();
        if (PluginTree.FromProject(path, problems) is { } project)
        {
            ScanAssembly(project.AssemblyPath, project.Kind, components, problems);
            return new PluginCatalog(components, problems, FindConflicts(components));
        }
        if (problems.Count > 0)
        {
            return new PluginCatalog(components, problems, []);
        }
        var assemblyPath = File.Exists(path) ? path : Path.Combine(path, Path.GetFileName(path) + ".dll");
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            problems.Add(new PluginProblem(path, "no such file or folder"));
        }
        else
        {
            var pluginFolder = Path.GetDirectoryName(assemblyPath)!;
            ComponentKind? folderKind = ComponentKinds.TryParseFolder(Path.GetFileName(Path.GetDirectoryName(pluginFolder)) ?? "", out var kind) ? kind : null;
            ScanAssembly(assemblyPath, folderKind, components, problems);
        }
        return new PluginCatalog(components, problems, FindConflicts(components));
    }

    private void ScanAssembly(string assemblyPath, ComponentKind? folderKind, List<ComponentDescriptor> components, List<PluginProblem> problems)
    {
        if (!File.Exists(assemblyPath))
        {
            problems.Add(new PluginProblem(Path.GetDirectoryName(assemblyPath)!, $"expected the plugin assembly {Path.GetFileName(assemblyPath)} in this folder"));
            return;
        }
        if (IncompatibleContracts(assemblyPath) is { } incompatible)
        {
            problems.Add(new PluginProblem(assemblyPath, incompatible));
            return;
        }

        Type[] types;
        string version;
        try
        {
            var assembly = LoaderFor(assemblyPath).LoadDefaultAssembly();
            version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            var reason = e.LoaderExceptions.FirstOrDefault(x => x is not null)?.Message ?? e.Message;
            problems.Add(new PluginProblem(assemblyPath, $"types could not be loaded: {reason}"));
            return;
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or IOException or InvalidOperationException)
        {
            problems.Add(new PluginProblem(assemblyPath, e.Message));
            return;
        }

        foreach (var type in types)
        {
            var attribute = type.GetCustomAttribute<ComponentAttribute>(inherit: false);
            if (attribute is null)
            {
                continue;
            }
            if (folderKind is { } expected && attribute.Kind != expected)
            {
                problems.Add(new PluginProblem(assemblyPath,
                    $"{type.FullName} is a {attribute.Kind} component ('{attribute.Name}') but sits in the {expected.FolderName()} folder, for {expected} components; move it to {attribute.Kind.FolderName()}/"));
                continue;
            }
            var contract = attribute.Kind.ContractOf();
            if (!contract.IsAssignableFrom(type) || type.IsAbstract)
            {
                problems.Add(new PluginProblem(assemblyPath,
                    $"{type.FullName} is marked as {attribute.Kind} '{attribute.Name}' but is not a concrete {contract.Name}"));
                continue;
            }
            if (attribute.Options is { } options && options.GetConstructor(Type.EmptyTypes) is null)
            {
                problems.Add(new PluginProblem(assemblyPath, $"options type {options.FullName} of {type.FullName} needs a public parameterless constructor"));
                continue;
            }
            components.Add(new ComponentDescriptor(attribute, type, assemblyPath, version));
        }
    }

    /// <summary>
    /// The contracts are versioned semantically: a plugin built against another major version, or against a newer
    /// minor version than this host provides, may use members that do not exist here, so it is refused before it loads.
    /// </summary>
    internal static string? IncompatibleContracts(string assemblyPath)
    {
        Version? referenced = null;
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return null;
            }
            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.AssemblyReferences)
            {
                var reference = reader.GetAssemblyReference(handle);
                if (reader.StringComparer.Equals(reference.Name, ContractsAssembly.Name!))
                {
                    referenced = reference.Version;
                }
            }
        }
        catch (BadImageFormatException)
        {
            // Not an assembly at all: the loader reports that in its own words.
            return null;
        }
        var provided = ContractsAssembly.Version!;
        if (referenced is null || (referenced.Major == provided.Major && (referenced.Minor < provided.Minor
            || (referenced.Minor == provided.Minor && referenced.Build <= provided.Build))))
        {
            return null;
        }
        var advice = referenced.Major != provided.Major
            ? $"the major versions differ; rebuild the plugin against NirHost.Abstractions {provided.Major}.x"
            : "the plugin may use contract members this nirhost lacks; update nirhost";
        return $"built against NirHost.Abstractions {Semantic(referenced)}, but this nirhost provides NirHost.Abstractions {Semantic(provided)}: {advice}";
    }

    private static readonly AssemblyName ContractsAssembly = typeof(ComponentAttribute).Assembly.GetName();

    private static string Semantic(Version version) => $"{version.Major}.{version.Minor}.{Math.Max(0, version.Build)}";

    private static List<string> FindConflicts(List<ComponentDescriptor> components) =>
        components
            .GroupBy(c => (c.Kind, c.Name))
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key.Kind} '{group.Key.Name}' is defined more than once: " +
                string.Join(" and ", group.Select(c => $"{c.Type.FullName} in {c.AssemblyPath}")))
            .ToList();

    private PluginLoader LoaderFor(string assemblyPath)
    {
        lock (_gate)
        {
            if (!_loaders.TryGetValue(assemblyPath, out var loader))
            {
                loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, isUnloadable: true, sharedTypes: SharedTypes, config =>
                {
                    config.EnableHotReload = true;
                    config.PreferSharedTypes = true;
                });
                loader.Reloaded += (_, _) => PluginReloaded?.Invoke(assemblyPath);
                _loaders[assemblyPath] = loader;
            }
            return loader;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var loader in _loaders.Values)
            {
                loader.Dispose();
            }
            _loaders.Clear();
        }
    }
}
