using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Reporting;
using Spectre.Console;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost [train] [flags]</c> and <c>nirhost quickstart [flags]</c>: validates the run once, trains it with a console
/// reporter, and stops cleanly on Ctrl+C, SIGTERM or SIGHUP (the step in flight finishes and the run is saved; a second
/// signal ends the process at once, which loses nothing since every file is written through a temporary file and a rename).
/// </summary>
public sealed class TrainCommand(PluginCatalog catalog, FlagCatalog flags, IAnsiConsole console)
{
    /// <summary>The exit code of the signal that stopped the run: 130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP.</summary>
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
        // Completed once training has returned or thrown, i.e. once an interrupted run's checkpoint is on disk.
        var runEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => context.Cancel = RequestStop(cancellation, 143, "SIGTERM"));
        // A dropped SSH session or a closed terminal: saved like SIGTERM rather than losing the epoch in progress.
        using var sighup = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGHUP, context => OnHangup(context, cancellation, runEnded.Task));
        try
        {
            using var reporter = new ConsoleRunReporter(console);
            TrainingHost.Train(run, reporter, cancellation.Token);
            return 0;
        }
        finally
        {
            runEnded.TrySetResult();
            System.Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>
    /// How long a closing Windows console is held open for the checkpoint. Windows ends the process itself some seconds
    /// after the close event whatever the handler does, so this bound only keeps a stuck run from hanging forever.
    /// </summary>
    private static readonly TimeSpan WindowsCloseWait = TimeSpan.FromSeconds(30);

    private void OnHangup(System.Runtime.InteropServices.PosixSignalContext context, CancellationTokenSource cancellation, Task runEnded)
    {
        // First, so that the notice below and every later line are dropped rather than failing on a terminal that is gone.
        HangupTolerantWriter.TerminalHungUp();
        var first = RequestStop(cancellation, 129, "SIGHUP");
        if (!OperatingSystem.IsWindows())
        {
            // Unix: the handler returns at once and the process lives on; training sees the cancellation after its step.
            context.Cancel = first;
            return;
        }
        // Windows maps SIGHUP to CTRL_CLOSE_EVENT, after which the process is terminated as soon as this handler returns:
        // returning only once the run has ended (checkpoint written, summary marked interrupted) is what saves it.
        // A close after a Ctrl+C waits too, since that Ctrl+C's save is then in progress.
        context.Cancel = true;
        runEnded.Wait(WindowsCloseWait);
    }

    /// <summary>Asks training to stop after its current step; false when a stop was already asked for (exit at once).</summary>
    private bool RequestStop(CancellationTokenSource cancellation, int exitCode, string signal)
    {
        if (cancellation.IsCancellationRequested)
        {
            return false;
        }
        InterruptExitCode = exitCode;
        try
        {
            System.Console.Error.WriteLine($"{signal}: stopping after the current step and saving the run; {signal} again exits at once.");
        }
        catch (IOException)
        {
            // After a hang-up the terminal may be gone (writes fail with EIO); saving the run matters more than the notice.
        }
        cancellation.Cancel();
        return true;
    }
}
