using NirHost.Host.IO;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// Finds the run folders under the folders a report is asked for: each given folder is a run folder itself or holds
/// run folders at any depth (a sweep folder's <c>runs/&lt;group&gt;_s&lt;seed&gt;</c>, a <c>--save_path</c> tree).
/// </summary>
public static class RunDiscovery
{
    /// <summary>Every run folder found, each once, in path order. A folder that does not exist is an error naming it.</summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> folders)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(FilePaths.Comparer);
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new IOException($"{folder}: no such folder.");
            }
            Collect(Path.GetFullPath(folder), found, visited);
        }
        return [.. found];
    }

    private static void Collect(string folder, SortedSet<string> found, HashSet<string> visited)
    {
        // Linked folders are followed (a collection of links to runs is a fair way to pick runs), each target once, so
        // that a link to a folder above it does not send the search round in circles.
        var target = Directory.ResolveLinkTarget(folder, returnFinalTarget: true)?.FullName ?? folder;
        if (!visited.Add(target))
        {
            return;
        }
        if (RunRecord.IsRunFolder(folder))
        {
            // A run folder's own subfolders (CSV_Logs, tensorboard) hold no further runs.
            found.Add(folder);
            return;
        }
        IEnumerable<string> children;
        try
        {
            children = Directory.EnumerateDirectories(folder);
        }
        catch (UnauthorizedAccessException)
        {
            // A folder the user may not read holds nothing the report could read either.
            return;
        }
        foreach (var child in children)
        {
            Collect(child, found, visited);
        }
    }
}
