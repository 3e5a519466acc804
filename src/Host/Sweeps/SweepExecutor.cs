using System.Diagnostics;
using System.Runtime.InteropServices;
using NirHost.Host.Training;

namespace NirHost.Host.Sweeps;

/// <summary>
/// Runs a sweep's runs as child <c>nirhost</c> processes, <c>--parallel</c> at a time with the machine's cores split
/// between them. A completed run is skipped; an interrupted one is resumed from its checkpoint (started over, its old
/// folder set aside, when it has none); a failed or diverged one is retried only with <c>--retry-failed</c>. A stop
/// (Ctrl+C, SIGTERM, SIGHUP) is passed to every child, which finishes its step and saves; no new run starts, and the
/// same command later resumes them. Children run in process groups of their own, so a terminal's Ctrl+C or hang-up
/// reaches only the sweep, which passes exactly one stop to each child (a second one would end it without saving).
/// A SLURM array task (<c>--task</c>) trains its one run in-process instead: SLURM signals every process of a job, and
/// a single process gets that signal once.
/// </summary>
public sealed class SweepExecutor(SweepFolder folder, SweepOptions options, IReadOnlyList<string> nirhost, TextWriter output,
    Func<IReadOnlyList<string>, int>? inProcess = null)
{
    private readonly object _lock = new();
    private readonly List<Process> _children = [];
    private IReadOnlyList<SweepRun> _plan = [];

    /// <summary>What happened to each run, by id.</summary>
    public Dictionary<string, string> Outcomes { get; } = new(StringComparer.Ordinal);

    public bool Stopped { get; private set; }

    /// <param name="plan">Every run of the sweep, for <c>state.json</c>; <paramref name="runs"/> are those to run now.</param>
    public void Run(IReadOnlyList<SweepRun> runs, IReadOnlyList<SweepRun> plan, CancellationToken cancellation)
    {
        _plan = plan;
        var parallel = Math.Min(options.Parallel, Math.Max(1, runs.Count));
        var cores = Math.Max(1, Environment.ProcessorCount / parallel);
        using var stop = cancellation.Register(StopChildren);
        folder.Log($"sweep of {runs.Count} runs, {parallel} at a time, {cores} cores each");
        System.Threading.Tasks.Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = parallel }, run =>
        {
            if (cancellation.IsCancellationRequested)
            {
                Record(run, "not started (stopped)");
                return;
            }
            RunOne(run, cores, cancellation);
        });
    }

    private void RunOne(SweepRun run, int cores, CancellationToken cancellation)
    {
        var status = SweepFolder.StatusOf(run);
        var runFolder = SweepFolder.RunFolderOf(run);
        List<string> args;
        string how;
        switch (status)
        {
            case RunStatus.Completed:
                Record(run, "completed earlier, skipped");
                return;
            case RunStatus.Failed or RunStatus.Diverged when !options.RetryFailed:
                Record(run, $"{status} earlier, skipped (--retry-failed runs it again)");
                return;
            case SweepStatus.Pending:
                (args, how) = ([.. run.Args], "started");
                break;
            default:
                if (SweepFolder.HasCheckpoint(run))
                {
                    args = ["--resume", runFolder];
                    if (options.Device is not null || options.Task is not null)
                    {
                        args.AddRange(["--device", SweepPlan.FlagValues(run.Args, "device")[0]]);
                    }
                    how = $"resumed ({status})";
                }
                else
                {
                    var aside = folder.SetAside(run);
                    (args, how) = ([.. run.Args], $"started over ({status} without a checkpoint; its folder moved to {aside})");
                }
                break;
        }
        if (!args.Contains("--kernels"))
        {
            args.AddRange(["--kernels", cores.ToString()]);
        }
        folder.Log($"{run.Id}: {how}");
        folder.WriteState(_plan);
        lock (_lock)
        {
            output.WriteLine($"[{run.Task}] {run.Id}: {how}");
        }
        var exit = inProcess is null ? Start(run, args, cores, cancellation) : inProcess(args);
        var ended = SweepFolder.StatusOf(run);
        folder.Log($"{run.Id}: exit {exit}, {ended}");
        folder.WriteState(_plan);
        Record(run, ended);
    }

    private int Start(SweepRun run, List<string> args, int cores, CancellationToken cancellation)
    {
        // Standard input too: a child outside the terminal's foreground group that touched a terminal on its standard
        // input (.NET configures one at start-up) would be stopped by SIGTTOU until the sweep ended.
        var start = new ProcessStartInfo(nirhost[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in nirhost.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        // libtorch's and .NET's thread pools both follow these, so parallel runs share the cores instead of contending.
        start.Environment["OMP_NUM_THREADS"] = cores.ToString();
        start.Environment["MKL_NUM_THREADS"] = cores.ToString();
        start.Environment["DOTNET_PROCESSOR_COUNT"] = cores.ToString();
        start.Environment[ChildProcessGroup.Variable] = "1";
        using var log = new StreamWriter(folder.LogOf(run), append: true) { AutoFlush = true };
        log.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z {string.Join(' ', nirhost.Skip(1).Concat(args))}");
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        lock (_lock)
        {
            if (cancellation.IsCancellationRequested)
            {
                return 130;
            }
            process.Start();
            _children.Add(process);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        lock (_lock)
        {
            _children.Remove(process);
        }
        return process.ExitCode;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private void Record(SweepRun run, string outcome)
    {
        lock (_lock)
        {
            Outcomes[run.Id] = outcome;
        }
    }

    /// <summary>Asks every child to stop as Ctrl+C would (SIGTERM on Unix): each finishes its step and saves its run.</summary>
    private void StopChildren()
    {
        lock (_lock)
        {
            Stopped = true;
            foreach (var child in _children)
            {
                try
                {
                    if (OperatingSystem.IsWindows())
                    {
                        // Windows children share the console and receive the Ctrl+C themselves; nothing to forward.
                        continue;
                    }
                    _ = Kill(child.Id, SigTerm);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
