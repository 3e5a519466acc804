using System.Runtime.InteropServices;

namespace NirHost.Host.Training;

/// <summary>
/// Says what to do when libtorch cannot be loaded. TorchSharp then reports that the application "doesn't contain a
/// reference to libtorch-cpu-&lt;platform&gt;", which misleads: the package is there, but on Windows the Visual C++
/// runtime it links against is missing, or the platform is one the CPU bundle has no native library for.
/// </summary>
public static class NativeLibraryFaults
{
    /// <summary>Platforms whose native libtorch the CPU bundle carries.</summary>
    public static readonly IReadOnlyList<string> CpuBundlePlatforms = ["linux-x64", "win-x64", "osx-arm64"];

    /// <summary>An explanation of a failure to load libtorch, or null when <paramref name="exception"/> is something else.</summary>
    public static string? Explain(Exception exception) =>
        Explain(exception, RuntimeInformation.RuntimeIdentifier, OperatingSystem.IsWindows());

    public static string? Explain(Exception exception, string runtimeIdentifier, bool windows)
    {
        var cause = Causes(exception).FirstOrDefault(IsMissingLibtorch);
        if (cause is null)
        {
            return null;
        }
        var platform = CpuBundlePlatforms.FirstOrDefault(p => runtimeIdentifier.StartsWith(p.Split('-')[0], StringComparison.Ordinal)
            && runtimeIdentifier.EndsWith(p.Split('-')[1], StringComparison.Ordinal));
        var what = $"libtorch, the native library TorchSharp computes with, could not be loaded (TorchSharp: {TrainingFaults.FirstLine(cause.Message)}).";
        if (platform is null)
        {
            return $"{what} This system is {runtimeIdentifier}; TorchSharp's CPU bundle carries libtorch for " +
                $"{string.Join(", ", CpuBundlePlatforms)} only, so NirHost cannot run here.";
        }
        return windows
            ? $"{what} On Windows libtorch needs the Microsoft Visual C++ 2015-2022 Redistributable (x64); install it and run again. " +
              "Without it TorchSharp reports a missing package reference although the package is there."
            : $"{what} The runtimes/{platform}/native folder beside nirhost.dll is missing or incomplete: rebuild, or reinstall the tool.";
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static bool IsMissingLibtorch(Exception e) =>
        (e is NotSupportedException && e.Message.Contains("contain a reference to libtorch", StringComparison.Ordinal))
        || (e is DllNotFoundException && e.Message.Contains("LibTorchSharp", StringComparison.Ordinal));
}
