namespace NirHost.Tests.Support;

/// <summary>
/// Debian packages that tests need and a fresh machine lacks (CI starts from the .NET SDK alone): installed on first
/// use with apt-get, its package lists refreshed once when they do not know a package. One install at a time, across
/// test processes too, since dpkg takes a lock of its own.
/// </summary>
public static class DebianPackages
{
    private static readonly object Gate = new();

    /// <summary>Makes sure <paramref name="command"/> is on the PATH, installing <paramref name="packages"/> when it is not.</summary>
    public static void Ensure(string command, params string[] packages) => Ensure(() => OnPath(command), command, packages);

    /// <summary>Makes sure Debian's own Python (<c>/usr/bin/python3</c>, not a pyenv one on the PATH) imports <paramref name="module"/>.</summary>
    public static void EnsurePythonModule(string module, params string[] packages) =>
        Ensure(() => File.Exists("/usr/bin/python3")
            && DotnetCli.ExecProgram("/usr/bin/python3", Path.GetTempPath(), null, TimeSpan.FromMinutes(1), ["-c", $"import {module}"]).ExitCode == 0,
            $"python module {module}", packages);

    private static void Ensure(Func<bool> present, string command, string[] packages)
    {
        lock (Gate)
        {
            if (present())
            {
                return;
            }
            Assert.True(OperatingSystem.IsLinux() && OnPath("apt-get"),
                $"this test needs '{command}' (Debian packages {string.Join(", ", packages)}), and no apt-get is here to install it");
            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            var install = AptGet(environment, ["install", "-y", "--no-install-recommends", .. packages]);
            if (install.ExitCode != 0)
            {
                var update = AptGet(environment, ["update"]);
                Assert.True(update.ExitCode == 0, $"apt-get update failed:\n{update.Output}\n{update.Error}");
                install = AptGet(environment, ["install", "-y", "--no-install-recommends", .. packages]);
            }
            Assert.True(install.ExitCode == 0 && present(),
                $"installing {string.Join(", ", packages)} for '{command}' failed:\n{install.Output}\n{install.Error}");
        }
    }

    public static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(folder => File.Exists(Path.Combine(folder, command)));

    /// <summary>
    /// apt-get under flock, so that another test process installing at the same moment waits instead of failing on
    /// dpkg's lock; as root (CI, containers) directly, otherwise through sudo without a password prompt.
    /// </summary>
    private static (int ExitCode, string Output, string Error) AptGet(Dictionary<string, string> environment, string[] args)
    {
        string[] aptGet = ["apt-get", "-o", "DPkg::Lock::Timeout=600", .. args];
        string[] command = Environment.UserName == "root" ? aptGet : ["sudo", "-n", "--preserve-env=DEBIAN_FRONTEND", .. aptGet];
        return DotnetCli.ExecProgram("flock", Path.GetTempPath(), environment, TimeSpan.FromMinutes(15),
            [Path.Combine(Path.GetTempPath(), "nirhost-tests-apt.lock"), .. command]);
    }
}
