using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Authoring;

/// <summary>
/// Whether the TorchSharp native library is patched is decided by the runtime the output is for, not by the machine
/// that builds it: a linux-x64 publish from Windows ships a patched Linux library too.
/// </summary>
public sealed class NativeFixDecisionTests
{
    private static (bool TargetsLinux, bool PublishAlways) Decision(params string[] properties)
    {
        var output = DotnetCli.Run(Repository.Root, null,
        [
            "msbuild", Path.Combine("src", "Host", "NirHost.Host.csproj"),
            "-getProperty:_TorchSharpNativeFixTargetsLinux", "-getProperty:_TorchSharpNativeFixPublishAlwaysEffective",
            .. properties.Select(p => "-p:" + p),
        ]);
        var values = JsonNode.Parse(output[output.IndexOf('{')..])!["Properties"]!;
        return (bool.Parse(values["_TorchSharpNativeFixTargetsLinux"]!.GetValue<string>()),
            bool.Parse(values["_TorchSharpNativeFixPublishAlwaysEffective"]!.GetValue<string>()));
    }

    [Fact]
    public void A_linux_publish_from_a_machine_that_is_not_linux_is_patched_always()
    {
        Assert.Equal((true, true), Decision("RuntimeIdentifier=linux-x64", "TorchSharpNativeFixBuildOnLinux=false"));
    }

    [Fact]
    public void Output_for_windows_or_macos_is_never_patched_even_when_built_on_linux()
    {
        Assert.False(Decision("RuntimeIdentifier=win-x64", "TorchSharpNativeFixBuildOnLinux=true").TargetsLinux);
        Assert.False(Decision("RuntimeIdentifier=osx-arm64", "TorchSharpNativeFixBuildOnLinux=true").TargetsLinux);
    }

    [Fact]
    public void Without_a_runtime_identifier_the_output_is_for_the_building_machine()
    {
        Assert.True(Decision("TorchSharpNativeFixBuildOnLinux=true").TargetsLinux);
        Assert.False(Decision("TorchSharpNativeFixBuildOnLinux=false").TargetsLinux);
    }
}
