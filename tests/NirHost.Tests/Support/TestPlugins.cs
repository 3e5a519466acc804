namespace NirHost.Tests.Support;

/// <summary>The test plugins' builds (tests/TestPlugins, copied to testplugins/ beside the test runner), laid out where a test needs them.</summary>
public static class TestPlugins
{
    /// <summary>The build output of one test plugin project.</summary>
    public static string BuildOf(string project) => Path.Combine(AppContext.BaseDirectory, "testplugins", project);

    /// <summary>Copies a test plugin's build into <c>root/Kind/AssemblyName/</c>, as a plugins root holds it. Returns that folder.</summary>
    public static string Install(string root, string project, string kindFolder, string? assemblyName = null) =>
        CopyBuild(project, Path.Combine(root, kindFolder, assemblyName ?? project));

    /// <summary>Copies a test plugin's build files into <paramref name="target"/>. Returns it.</summary>
    public static string CopyBuild(string project, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(BuildOf(project)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
        return target;
    }
}
