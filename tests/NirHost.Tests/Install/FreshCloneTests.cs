using System.Diagnostics;
using System.Text;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;

namespace NirHost.Tests.Install;

/// <summary>
/// A new user's first commands on a fresh copy of the repository: <c>dotnet build -c Release</c> and
/// <c>dotnet test -c Release</c> at its root, then nirhost packed and installed as a .NET tool and run from another
/// folder. One test, because the Release build dominates its cost and the tool is packed from it. Skip it while
/// iterating with <c>--filter Category!=FreshClone</c>.
/// </summary>
[Trait("Category", "FreshClone")]
public sealed class FreshCloneTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void A_fresh_clone_builds_and_tests_in_Release_and_packs_a_nirhost_tool_that_installs_and_runs_anywhere()
    {
        var clock = Stopwatch.StartNew();
        var clone = Path.Combine(_work.Path, "clone");
        SourceTree.Copy(Repository.Root, clone);
        Assert.False(Directory.Exists(Path.Combine(clone, "artifacts")), "the copy carries build artifacts");

        // Release at the root: every project of NirHost.sln, the template pack included (it packs the contracts it carries).
        DotnetCli.Run(clone, null, "build", "-c", "Release", "-m:1", "-nodeReuse:false");
        var built = clock.Elapsed;
        // The Release test runner, with its nirhost and plugins beside it: one small test shows the layout works.
        var tested = DotnetCli.Run(clone, null, "test", "-c", "Release", "--no-build",
            "--filter", "FullyQualifiedName=NirHost.Tests.Cli.CommandLineProcessTests.Help_exits_cleanly");
        Assert.Matches(@"Failed:\s*0, Passed:\s*1\b", tested);

        // Packed as README says. The libstdc++ the pack is told about has GLIBCXX_3.4.32, so only a patch made for every
        // machine (published output always is) lets the installed tool load libtorch on this Debian 12 machine below.
        var newerLibStdCxx = Path.Combine(_work.Path, "libstdc++.so.6");
        File.WriteAllBytes(newerLibStdCxx, Encoding.ASCII.GetBytes("GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0"));
        var artifacts = Path.Combine(clone, "artifacts");
        DotnetCli.Run(clone, null, "pack", "src/Host", "-c", "Release", "-o", artifacts, "-m:1", "-nodeReuse:false",
            $"-p:TorchSharpNativeFixLibStdCxx={newerLibStdCxx}");
        var packages = Directory.GetFiles(artifacts, "NirHost.*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, packages.Count);
        Assert.Contains(packages, p => p!.StartsWith("NirHost.linux-", StringComparison.Ordinal) || p.StartsWith("NirHost.win-", StringComparison.Ordinal)
            || p.StartsWith("NirHost.osx-", StringComparison.Ordinal));

        var tools = Path.Combine(_work.Path, "tools");
        DotnetCli.Run(_work.Path, null, "tool", "install", "--tool-path", tools, "--add-source", artifacts, "NirHost");
        var packed = clock.Elapsed;

        // From another folder, with a user plugin folder of its own: the plugins came along with the tool.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_work.Path, "elsewhere")).FullName;
        var environment = new Dictionary<string, string> { [PluginRoots.UserFolderVariable] = Path.Combine(_work.Path, "user-plugins") };
        var nirhost = Path.Combine(tools, OperatingSystem.IsWindows() ? "nirhost.exe" : "nirhost");
        (int ExitCode, string Output, string Error) Nirhost(params string[] args) =>
            DotnetCli.ExecProgram(nirhost, elsewhere, environment, TimeSpan.FromMinutes(3), args);

        var (exit, output, error) = Nirhost("--help");
        Assert.True(exit == 0, error);
        Assert.Contains("--loss_oproxy_mode", output);

        (exit, output, error) = Nirhost("plugins");
        Assert.True(exit == 0, error);
        Assert.Contains("oproxy", output);
        Assert.DoesNotContain("problem:", output);
        Assert.DoesNotContain("warning", error);

        // One epoch on tiny data: libtorch loads from the package and trains.
        (exit, output, error) = Nirhost(FaultyPlugin.MicroRun(Path.Combine(_work.Path, "runs"), "--n_epochs", "1"));
        Assert.True(exit == 0, output + error);
        Assert.Contains("Summary:", output);

        Console.WriteLine($"fresh clone: Release build {built.TotalSeconds:0} s, tool packed and installed after {packed.TotalSeconds:0} s, " +
            $"all done after {clock.Elapsed.TotalSeconds:0} s");
    }
}
