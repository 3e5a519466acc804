using System.Reflection;
using NirHost.Host.Cli;
using NirHost.Host.Plugins;
using NirHost.Host.Sweeps;
using NirHost.Host.Training;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost sweep FILE</c>: the runs of a sweep file (the original's <c>nir_benchmark_runs.sh</c> as it is, or
/// <c>nirhost</c> lines) across <c>--seeds</c> and <c>--grid</c> values, checked up front, then printed
/// (<c>--dry-run</c>), run on this machine, written as a SLURM job array (<c>--slurm</c>), or run one array task at a
/// time (<c>--task N</c>, what the array script calls).
/// </summary>
public static class SweepCommand
{
    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output,
        Func<IReadOnlyList<string>, int> trainInProcess)
    {
        var options = SweepOptions.Parse(args);
        var plan = SweepPlan.Build(options, catalog, flags);
        foreach (var notice in plan.Notices)
        {
            output.WriteLine($"notice: {notice}");
        }
        if (plan.Problems.Count > 0)
        {
            var lines = plan.Problems.Select(p => $"  {options.File}, {p}");
            var counts = $"{plan.Runs.Select(r => r.LineNumber).Distinct().Count()} valid lines, {plan.Problems.Count} refused";
            if (!options.SkipInvalid)
            {
                throw new CommandLineException($"sweep: {counts}; nothing runs until every line is valid, or --skip-invalid runs the valid ones:" +
                    Environment.NewLine + string.Join(Environment.NewLine, lines));
            }
            output.WriteLine($"sweep: {counts} (--skip-invalid):");
            foreach (var line in lines)
            {
                output.WriteLine(line);
            }
        }
        if (plan.Runs.Count == 0)
        {
            throw new CommandLineException($"sweep: {options.File} leaves no valid run.");
        }
        var nirhost = SelfCommand();
        if (options.DryRun)
        {
            output.WriteLine($"{plan.Runs.Count} runs in {options.Dir}:");
            foreach (var run in plan.Runs)
            {
                output.WriteLine($"[{run.Task}] {run.Id} (line {run.LineNumber}): nirhost {string.Join(' ', run.Args.Select(SlurmArrayScript.Quote))}");
            }
            return 0;
        }
        var folder = SweepFolder.Open(options.Dir, plan, options.File);
        if (options.Slurm)
        {
            var script = Path.Combine(folder.Path, SlurmArrayScript.FileName);
            var text = SlurmArrayScript.Render(plan, options, nirhost, options.Template);
            IO.AtomicFile.Write(script, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));
            folder.Log($"wrote {script} for {plan.Runs.Count} array tasks");
            output.WriteLine($"Wrote {script}: a job array of {plan.Runs.Count} tasks, one per run. Submit it with:");
            output.WriteLine($"  sbatch {SlurmArrayScript.Quote(script)}");
            return 0;
        }
        if (options.Task is { } task)
        {
            if (task >= plan.Runs.Count)
            {
                throw new CommandLineException($"sweep: --task {task}: the plan has tasks 0 to {plan.Runs.Count - 1}.");
            }
            var executor = new SweepExecutor(folder, options, nirhost, output, trainInProcess);
            executor.Run([plan.Runs[task]], plan.Runs, CancellationToken.None);
            return ExitCode(executor);
        }
        return RunLocally(folder, options, plan, nirhost, output);
    }

    private static int RunLocally(SweepFolder folder, SweepOptions options, SweepPlan plan, IReadOnlyList<string> nirhost, TextWriter output)
    {
        using var gate = LockFolder(folder);
        using var cancellation = new CancellationTokenSource();
        void Stop(string signal)
        {
            if (!cancellation.IsCancellationRequested)
            {
                output.WriteLine($"{signal}: every run finishes its step and saves; no new run starts. The same command resumes the sweep.");
                cancellation.Cancel();
            }
        }
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; Stop("Ctrl+C"); };
        Console.CancelKeyPress += onCtrlC;
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; Stop("SIGTERM"); });
        using var sighup = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGHUP, context => { context.Cancel = true; Stop("SIGHUP"); });
        try
        {
            var executor = new SweepExecutor(folder, options, nirhost, output);
            executor.Run(plan.Runs, plan.Runs, cancellation.Token);
            output.WriteLine($"Sweep {folder.Path}:");
            foreach (var run in plan.Runs)
            {
                output.WriteLine($"  {run.Id}: {executor.Outcomes.GetValueOrDefault(run.Id, "not run")}");
            }
            return ExitCode(executor);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>0 when every run completed, 130 when the sweep was stopped, 1 when a run failed or diverged.</summary>
    private static int ExitCode(SweepExecutor executor) =>
        executor.Stopped ? 130
        : executor.Outcomes.Values.All(o => o.StartsWith(RunStatus.Completed, StringComparison.Ordinal)) ? 0
        : 1;

    /// <summary>One local sweep per folder at a time: two would start the same runs twice.</summary>
    private static FileStream LockFolder(SweepFolder folder)
    {
        var path = Path.Combine(folder.Path, ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new CommandLineException($"sweep: another nirhost sweep is running in {folder.Path} ({path} is held).");
        }
    }

    /// <summary>How to start this same nirhost: its apphost, or <c>dotnet nirhost.dll</c>.</summary>
    private static string[] SelfCommand()
    {
        var process = Environment.ProcessPath ?? "nirhost";
        var name = Path.GetFileNameWithoutExtension(process);
        return name == "dotnet" ? [process, Assembly.GetEntryAssembly()!.Location] : [process];
    }
}
