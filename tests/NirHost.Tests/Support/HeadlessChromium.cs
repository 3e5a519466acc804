namespace NirHost.Tests.Support;

/// <summary>
/// Debian's <c>chromium</c>, headless, for tests that check a page in a real browser. A machine without it (CI starts
/// from a bare Debian with the .NET SDK) gets it installed through <see cref="DebianPackages"/>.
/// </summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly Lazy<string> Installed = new(Install);

    /// <summary>Loads <paramref name="page"/> with <paramref name="extra"/> (<c>--dump-dom</c>, <c>--screenshot=...</c>) and returns what the browser said.</summary>
    public static (int ExitCode, string Output, string Error) Load(string page, string scratch, params string[] extra)
    {
        var profile = Path.Combine(scratch, "chromium-profile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        string[] args =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            .. extra, new Uri(Path.GetFullPath(page)).AbsoluteUri,
        ];
        return DotnetCli.ExecProgram(Installed.Value, scratch, null, TimeSpan.FromMinutes(2), args);
    }

    /// <summary>The lines in which the page wrote to its console (Chromium logs them as <c>INFO:CONSOLE</c>, whatever their level).</summary>
    public static IReadOnlyList<string> ConsoleMessages(string browserLog) =>
        [.. browserLog.Split('\n').Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal))];

    private static string Install()
    {
        DebianPackages.Ensure("chromium", "chromium");
        Assert.True(File.Exists(Executable), $"chromium is installed, but not as {Executable}.");
        return Executable;
    }
}
