using System.Text.RegularExpressions;
using NirHost.Abstractions;

namespace NirHost.Host.Plugins;

/// <summary>A plugin assembly found under a plugins root, with the kind its place in the tree gives it (null: any kind).</summary>
public sealed record PluginCandidate(string AssemblyPath, ComponentKind? Kind)
{
    /// <summary>The assembly's simple name: two candidates with one name are the same plugin.</summary>
    public string Name => Path.GetFileNameWithoutExtension(AssemblyPath);
}

/// <summary>
/// Finds the plugins under a plugins root. Plugins are sorted by kind the same way in their two forms:
/// <list type="bullet">
/// <item>laid out (what a build lays out, what <c>plugins add</c> installs, what sits beside an installed nirhost):
/// <c>&lt;Kind&gt;/&lt;PluginName&gt;/&lt;PluginName&gt;.dll</c>;</item>
/// <item>as sources: plugin projects, where a Kind folder is itself the project (this repository's
/// <c>plugins/Criteria/NirHost.Plugins.Criteria.csproj</c>), a Kind folder holds one project per plugin
/// (<c>Criteria/MyLoss/MyLoss.csproj</c>), or a project anywhere below the root declares its
/// <c>NirHostPluginKind</c> (a scaffolded template's <c>src/MyLoss/MyLoss.csproj</c>). Such a project's newest build
/// output (<c>bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/</c>) is the plugin.</item>
/// </list>
/// A project's own folders (sources, bin, obj) are never taken for plugins, so pointing nirhost at a source tree is
/// quiet; a folder in a Kind folder that holds neither the plugin's assembly nor a project is reported.
/// </summary>
public static partial class PluginTree
{
    // Deep enough for <root>/src/<Project>/ and <root>/plugins/<Kind>/<Project>/, shallow enough to stay quick on a big folder.
    private const int MaxDepth = 3;

    private static readonly HashSet<string> NotPlugins = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", "node_modules", "TestResults" };

    public static void Find(string root, List<PluginCandidate> found, List<PluginProblem> problems) =>
        Visit(root, 0, found, problems);

    /// <summary>
    /// The plugin a path names as <c>check-plugin</c> takes it: a plugin project's folder or file. Null when the path
    /// is no project (then it is an assembly, a laid-out plugin folder or a plugins root).
    /// </summary>
    public static PluginCandidate? FromProject(string path, List<PluginProblem> problems)
    {
        var project = path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) && File.Exists(path) ? path
            : Directory.Exists(path) ? ProjectsIn(path).FirstOrDefault() : null;
        if (project is null)
        {
            return null;
        }
        var found = new List<PluginCandidate>();
        AddProject(project, ProjectKind(project), found, problems);
        return found.FirstOrDefault();
    }

    private static void Visit(string folder, int depth, List<PluginCandidate> found, List<PluginProblem> problems)
    {
        var projects = ProjectsIn(folder);
        if (projects.Count > 0)
        {
            // A project folder: its subfolders are its sources and build output, never plugins of their own.
            foreach (var project in projects)
            {
                if (ProjectKind(project) is { } kind)
                {
                    AddProject(project, kind, found, problems);
                }
            }
            return;
        }
        // Laid-out plugins sit right under the root, as the contract says; deeper down only projects are looked for, so
        // that laid-out copies elsewhere in a tree (build artifacts, a nested plugins folder) are not taken as well.
        if (depth == 1 && ComponentKinds.TryParseFolder(Path.GetFileName(folder), out var folderKind))
        {
            foreach (var plugin in Subfolders(folder))
            {
                var assembly = Path.Combine(plugin, Path.GetFileName(plugin) + ".dll");
                if (File.Exists(assembly))
                {
                    found.Add(new PluginCandidate(assembly, folderKind));
                }
                else if (ProjectsIn(plugin) is [var project, ..])
                {
                    AddProject(project, folderKind, found, problems);
                }
                else
                {
                    problems.Add(new PluginProblem(plugin,
                        $"expected the plugin assembly {Path.GetFileName(plugin)}.dll in this folder, or a plugin project to build"));
                }
            }
            return;
        }
        if (depth < MaxDepth)
        {
            foreach (var child in Subfolders(folder))
            {
                Visit(child, depth + 1, found, problems);
            }
        }
    }

    private static void AddProject(string project, ComponentKind? kind, List<PluginCandidate> found, List<PluginProblem> problems)
    {
        var folder = Path.GetDirectoryName(project)!;
        var outputs = BuildOutputs(project).ToList();
        if (outputs.Count == 0)
        {
            problems.Add(new PluginProblem(project,
                $"plugin project without a build: no {AssemblyNameOf(project, null)}.dll under {Path.Combine(folder, "bin")}/<Configuration>/<TargetFramework>/; " +
                $"build it with `dotnet build {folder}`"));
            return;
        }
        // The newest build is the one the author is working with (a Debug build after a Release one, or the reverse).
        found.Add(new PluginCandidate(outputs.MaxBy(File.GetLastWriteTimeUtc)!, kind));
    }

    /// <summary>Every <c>bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/&lt;Assembly&gt;.dll</c> of the project.</summary>
    private static IEnumerable<string> BuildOutputs(string project)
    {
        var bin = Path.Combine(Path.GetDirectoryName(project)!, "bin");
        if (!Directory.Exists(bin))
        {
            yield break;
        }
        foreach (var configuration in Directory.GetDirectories(bin))
        {
            foreach (var output in Directory.GetDirectories(configuration))
            {
                var assembly = Path.Combine(output, AssemblyNameOf(project, output) + ".dll");
                if (File.Exists(assembly))
                {
                    yield return assembly;
                }
            }
        }
    }

    /// <summary>
    /// The project's assembly name: as the project file states it; else, in a build output, the one assembly with its
    /// own <c>.deps.json</c> (dependencies have none; this repository's plugins get their names from a props file);
    /// else the project file's name, as the SDK's default.
    /// </summary>
    private static string AssemblyNameOf(string project, string? output)
    {
        if (AssemblyNameElement().Match(File.ReadAllText(project)) is { Success: true } declared && !declared.Groups[1].Value.Contains('$'))
        {
            return declared.Groups[1].Value.Trim();
        }
        if (output is not null)
        {
            var own = Directory.GetFiles(output, "*.deps.json")
                .Select(deps => Path.GetFileName(deps)[..^".deps.json".Length])
                .Where(name => File.Exists(Path.Combine(output, name + ".dll")))
                .ToList();
            if (own.Count == 1)
            {
                return own[0];
            }
        }
        return Path.GetFileNameWithoutExtension(project);
    }

    /// <summary>
    /// A project is a plugin project when it declares its kind (<c>NirHostPluginKind</c>, as the templates do) or sits
    /// in a Kind folder, as a whole (<c>plugins/Criteria/</c>) or as one plugin of it (<c>Criteria/MyLoss/</c>).
    /// </summary>
    private static ComponentKind? ProjectKind(string project)
    {
        if (PluginKindElement().Match(File.ReadAllText(project)) is { Success: true } declared
            && ComponentKinds.TryParseFolder(declared.Groups[1].Value.Trim(), out var kind))
        {
            return kind;
        }
        var folder = Path.GetDirectoryName(project)!;
        foreach (var name in new[] { Path.GetFileName(folder), Path.GetFileName(Path.GetDirectoryName(folder)) })
        {
            if (name is not null && ComponentKinds.TryParseFolder(name, out kind))
            {
                return kind;
            }
        }
        return null;
    }

    private static List<string> ProjectsIn(string folder) =>
        [.. Directory.GetFiles(folder, "*.csproj").Order(StringComparer.Ordinal)];

    private static IEnumerable<string> Subfolders(string folder) =>
        Directory.GetDirectories(folder)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && !NotPlugins.Contains(Path.GetFileName(d)))
            .Order(StringComparer.Ordinal);

    [GeneratedRegex(@"<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyNameElement();

    [GeneratedRegex(@"<NirHostPluginKind>([^<]+)</NirHostPluginKind>")]
    private static partial Regex PluginKindElement();
}
