using Spectre.Console;

namespace NirHost.Host.Reporting;

/// <summary>The console the commands write to.</summary>
public static class HostConsole
{
    /// <summary>
    /// Spectre's console for standard output. Redirected output (a log file, a pipe, CI) has no width: Spectre would
    /// wrap it at 80 columns and split a run folder's path mid-word, so lines there are never wrapped, and tables take
    /// the width they need.
    /// </summary>
    public static IAnsiConsole Create(TextWriter? output = null, bool redirected = false)
    {
        var writer = output ?? System.Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected || output is not null || System.Console.IsOutputRedirected)
        {
            console.Profile.Width = UnwrappedWidth;
        }
        return console;
    }

    /// <summary>Wide enough that no line NirHost writes is wrapped, small enough for Spectre's layout arithmetic.</summary>
    public const int UnwrappedWidth = 32_000;
}
