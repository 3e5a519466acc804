using NirHost.Host.Training;

namespace NirHost.Tests.Cli;

/// <summary>TorchSharp's misleading "no reference to libtorch" becomes advice that fits the system.</summary>
public sealed class NativeLibraryFaultsTests
{
    /// <summary>What TorchSharp throws the first time it is touched when libtorch does not load.</summary>
    private static Exception MissingLibtorch(string package) => new TypeInitializationException("TorchSharp.torch",
        new NotSupportedException($"This application or script uses TorchSharp but doesn't contain a reference to {package}, Version=2.10.0.0.\n\nConsider ..."));

    [Fact]
    public void On_windows_the_missing_visual_cpp_runtime_is_named()
    {
        var text = NativeLibraryFaults.Explain(MissingLibtorch("libtorch-cpu-win-x64"), "win-x64", windows: true);
        Assert.NotNull(text);
        Assert.Contains("Visual C++ 2015-2022 Redistributable (x64)", text);
        Assert.Contains("libtorch-cpu-win-x64", text);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void A_platform_without_a_cpu_bundle_is_said_to_be_unsupported()
    {
        var text = NativeLibraryFaults.Explain(MissingLibtorch("libtorch-cpu-linux-arm64"), "linux-arm64", windows: false);
        Assert.NotNull(text);
        Assert.Contains("This system is linux-arm64", text);
        Assert.Contains("linux-x64, win-x64, osx-arm64 only", text);
    }

    [Fact]
    public void On_a_supported_platform_the_missing_native_folder_is_named()
    {
        var text = NativeLibraryFaults.Explain(new DllNotFoundException("Unable to load shared library 'LibTorchSharp'"), "linux-x64", windows: false);
        Assert.NotNull(text);
        Assert.Contains("runtimes/linux-x64/native", text);
    }

    [Fact]
    public void Other_failures_are_left_as_they_are()
    {
        Assert.Null(NativeLibraryFaults.Explain(new NotSupportedException("something else"), "win-x64", windows: true));
        Assert.Null(NativeLibraryFaults.Explain(new IOException("disk full"), "linux-x64", windows: false));
    }
}
