using System.Diagnostics;

namespace NirHost.Tests.Support;

/// <summary>
/// Runs the dotnet CLI as a user would, isolated from the test run's own MSBuild environment; and the
/// <c>nirhost</c> beside the test runner, isolated from the user's own plugin folder.
/// </summary>
public static class DotnetCli
{
    /// <summary>Runs <c>dotnet args</c>, asserts that it succeeded and returns its standard output and error.</summary>
    public static string Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var (exitCode, output, error) = Exec(workingDirectory, environment, TimeSpan.FromMinutes(8), args);
        var all = output + error;
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', args)} exited with {exitCode}:{Environment.NewLine}{all}");
        return all;
    }

    /// <summary>Runs <c>dotnet args</c> to its end (failing the test after <paramref name="timeout"/>) and returns what it said.</summary>
    public static (int ExitCode, string Output, string Error) Exec(string workingDirectory, IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout, params string[] args) => ExecProgram("dotnet", workingDirectory, environment, timeout, args);

    /// <summary>Runs <paramref name="program"/> (an installed nirhost, say) as <see cref="Exec"/> runs dotnet.</summary>
    public static (int ExitCode, string Output, string Error) ExecProgram(string program, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args, program);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes:0.#} minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts <c>dotnet args</c> (or another program) with standard output and error redirected; the caller reads them.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, IEnumerable<string> args, string program = "dotnet")
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The test host inherits MSBuild's variables from `dotnet test`; a nested build must not see them.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Plugins the person running the tests installed for themselves must not take part.
        start.Environment[NirHost.Host.Plugins.PluginRoots.UserFolderVariable] = NoUserPlugins;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }

    /// <summary>A user plugin folder that never exists.</summary>
    public static string NoUserPlugins { get; } = Path.Combine(Path.GetTempPath(), "nirhost-tests", "no-user-plugins-" + Guid.NewGuid().ToString("N"));

    /// <summary>The arguments that run the <c>nirhost</c> built beside the test runner with <paramref name="args"/>.</summary>
    public static string[] NirhostArguments(params string[] args) => [Path.Combine(AppContext.BaseDirectory, "nirhost.dll"), .. args];

    /// <summary>Runs <c>nirhost args</c> (the one beside the test runner) to its end.</summary>
    public static (int ExitCode, string Output, string Error) Nirhost(params string[] args) => Nirhost(null, args);

    /// <summary>Runs <c>nirhost args</c> (the one beside the test runner) to its end, with these environment variables.</summary>
    public static (int ExitCode, string Output, string Error) Nirhost(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Exec(Environment.CurrentDirectory, environment, TimeSpan.FromMinutes(3), NirhostArguments(args));

    /// <summary>Starts <c>nirhost args</c> (the one beside the test runner); the caller reads its output.</summary>
    public static Process StartNirhost(params string[] args) => Start(Environment.CurrentDirectory, null, NirhostArguments(args));
}
