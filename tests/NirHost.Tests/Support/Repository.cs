namespace NirHost.Tests.Support;

/// <summary>The repository the tests were built from (they run from its tests/NirHost.Tests/bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>The in-repo plugin sources, one project per kind.</summary>
    public static string Plugins => Path.Combine(Root, "plugins");

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NirHost.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds NirHost.sln: these tests run from the repository's build output.");
    }
}
