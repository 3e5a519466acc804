using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Reporting;
using Spectre.Console;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost [train] [flags]</c> and <c>nirhost quickstart [flags]</c>: validates the run once, trains it with a console
/// reporter, and stops cleanly on Ctrl+C or SIGTERM (the step in flight finishes and the run is saved; a second signal
/// ends the process at once, which loses nothing since every file is written through a temporary file and a rename).
/// </summary>
public sealed class TrainCommand(PluginCatalog catalog, FlagCatalog flags, IAnsiConsole console)
{
    /// <summary>The exit code of the signal that stopped the run: 130 for Ctrl+C, 143 for SIGTERM.</summary>
    public int InterruptExitCode { get; private set; } = 130;

    public int Run(IReadOnlyList<string> args, bool quickstart)
    {
        var effective = quickstart ? Quickstart.Arguments(args, flags, catalog) : args;
        var configuration = RunCommandLine.Parse(flags, effective);
        if (configuration.Arguments.HelpRequested)
        {
            System.Console.Write(HelpWriter.Write(flags));
            return 0;
        }
        if (configuration.Get<RunOptions>().Completed)
        {
            console.WriteLine("Training run already completed!");
            return 0;
        }
        var run = RunValidation.Validate(configuration, catalog);
        if (quickstart)
        {
            console.WriteLine("Quick start on the embedded dataset. The same run as a full command:");
            console.WriteLine("  " + configuration.Command());
            console.WriteLine();
        }
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => e.Cancel = RequestStop(cancellation, 130, "Ctrl+C");
        System.Console.CancelKeyPress += onCtrlC;
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => context.Cancel = RequestStop(cancellation, 143, "SIGTERM"));
        try
        {
            using var reporter = new ConsoleRunReporter(console);
            TrainingHost.Train(run, reporter, cancellation.Token);
            return 0;
        }
        finally
        {
            System.Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>Asks training to stop after its current step; false when a stop was already asked for (exit at once).</summary>
    private bool RequestStop(CancellationTokenSource cancellation, int exitCode, string signal)
    {
        if (cancellation.IsCancellationRequested)
        {
            return false;
        }
        InterruptExitCode = exitCode;
        System.Console.Error.WriteLine($"{signal}: stopping after the current step and saving the run; {signal} again exits at once.");
        cancellation.Cancel();
        return true;
    }
}
