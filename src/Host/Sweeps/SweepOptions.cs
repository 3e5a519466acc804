using NirHost.Host.Cli;

namespace NirHost.Host.Sweeps;

/// <summary>The flags of <c>nirhost sweep FILE</c> (those of a run go into the file's lines).</summary>
public sealed class SweepOptions
{
    public const string Usage =
        "nirhost sweep FILE [--dir DIR] [--var NAME=VALUE ...] [--seeds 0-4|0,3,7] [--grid FLAG=V1,V2 ...] [--device DEVICE] " +
        "[--dry-run] [--skip-invalid] [--parallel N] [--retry-failed] [--slurm [--template FILE] [--partition P] [--gpus N] " +
        "[--cpus N] [--mem SIZE] [--time LIMIT] [--account A]] [--task N]";

    public string File { get; private init; } = "";

    /// <summary>The sweep folder: run folders, the plan, per-run states and logs. Default: sweeps/&lt;file name without extension&gt;.</summary>
    public string Dir { get; private init; } = "";

    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    /// <summary>Seeds every configuration runs with; empty keeps each line's own <c>--seed</c>.</summary>
    public List<int> Seeds { get; private init; } = [];

    /// <summary>Flags crossed with every line, each with its values, in the order given.</summary>
    public List<(string Flag, string[] Values)> Grid { get; } = [];

    /// <summary>The device of every run; null: each run's own <c>--device</c> (default auto), under SLURM the allocation's.</summary>
    public string? Device { get; private init; }

    public bool DryRun { get; private init; }

    public bool SkipInvalid { get; private init; }

    public int Parallel { get; private init; } = 1;

    public bool RetryFailed { get; private init; }

    public bool Slurm { get; private init; }

    public string? Template { get; private init; }

    public SlurmResources Resources { get; } = new();

    /// <summary>Runs only this task of the plan (a SLURM array task's index).</summary>
    public int? Task { get; private init; }

    /// <summary>The options as given, for the array script to pass on to every task.</summary>
    public List<string> PassOn { get; } = [];

    public static SweepOptions Parse(IReadOnlyList<string> args)
    {
        string? file = null, dir = null, device = null, template = null;
        var seeds = new List<int>();
        bool dryRun = false, skipInvalid = false, retryFailed = false, slurm = false;
        int parallel = 1;
        int? task = null;
        var resources = new SlurmResources();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var grid = new List<(string, string[])>();
        var passOn = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CommandLineException($"sweep: {arg} needs a value. Usage: {Usage}");
                }
                return args[++i];
            }
            int Count(int min)
            {
                var text = Value();
                return int.TryParse(text, out var n) && n >= min
                    ? n
                    : throw new CommandLineException($"sweep: {arg} {text}: expected a whole number of at least {min}.");
            }
            switch (arg)
            {
                case "--dir": dir = Value(); break;
                case "--var":
                    var assignment = Value();
                    var equals = assignment.IndexOf('=');
                    if (equals <= 0)
                    {
                        throw new CommandLineException($"sweep: --var {assignment}: expected NAME=VALUE.");
                    }
                    variables[assignment[..equals]] = assignment[(equals + 1)..];
                    passOn.AddRange([arg, assignment]);
                    break;
                case "--seeds":
                    var spec = Value();
                    seeds = ParseSeeds(spec);
                    passOn.AddRange([arg, spec]);
                    break;
                case "--grid":
                    var cross = Value();
                    grid.Add(ParseGrid(cross));
                    passOn.AddRange([arg, cross]);
                    break;
                case "--device": device = Value(); passOn.AddRange([arg, device]); break;
                case "--dry-run": dryRun = true; break;
                case "--skip-invalid": skipInvalid = true; passOn.Add(arg); break;
                case "--parallel": parallel = Count(1); break;
                case "--retry-failed": retryFailed = true; passOn.Add(arg); break;
                case "--slurm": slurm = true; break;
                case "--template": template = Value(); break;
                case "--partition": resources.Partition = Value(); break;
                case "--gpus": resources.Gpus = Count(0); break;
                case "--cpus": resources.Cpus = Count(1); break;
                case "--mem": resources.Memory = Value(); break;
                case "--time": resources.Time = Value(); break;
                case "--account": resources.Account = Value(); break;
                case "--task": task = Count(0); break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        var known = new[] { "dir", "var", "seeds", "grid", "device", "dry-run", "skip-invalid", "parallel", "retry-failed", "slurm",
                            "template", "partition", "gpus", "cpus", "mem", "time", "account", "task" };
                        var closest = Suggestions.Closest(arg[2..], known);
                        throw new CommandLineException($"sweep: unknown option {arg}" + (closest is null ? "" : $" (did you mean --{closest}?)") +
                            $". Flags of the runs belong in the sweep file's lines. Usage: {Usage}");
                    }
                    if (file is not null)
                    {
                        throw new CommandLineException($"sweep: one sweep file at a time ({file}, {arg}). Usage: {Usage}");
                    }
                    file = arg;
                    break;
            }
        }
        if (file is null)
        {
            throw new CommandLineException($"sweep: which file? Usage: {Usage}");
        }
        if (task is not null && slurm)
        {
            throw new CommandLineException("sweep: --task runs one task of a sweep (as a SLURM array task does); --slurm writes the array script. Give one.");
        }
        var options = new SweepOptions
        {
            File = file,
            Dir = Path.GetFullPath(dir ?? Path.Combine("sweeps", Path.GetFileNameWithoutExtension(file))),
            Seeds = seeds,
            Device = device,
            DryRun = dryRun,
            SkipInvalid = skipInvalid,
            Parallel = parallel,
            RetryFailed = retryFailed,
            Slurm = slurm,
            Template = template,
            Task = task,
        };
        foreach (var (name, value) in variables)
        {
            options.Variables[name] = value;
        }
        options.Grid.AddRange(grid);
        options.PassOn.AddRange(passOn);
        options.Resources.CopyFrom(resources);
        return options;
    }

    /// <summary><c>0-4</c> (inclusive), <c>0,3,7</c>, or a mix (<c>0-2,9</c>).</summary>
    public static List<int> ParseSeeds(string spec)
    {
        var seeds = new List<int>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0 && int.TryParse(part[..dash], out var from) && int.TryParse(part[(dash + 1)..], out var to) && from <= to)
            {
                seeds.AddRange(Enumerable.Range(from, to - from + 1));
            }
            else if (int.TryParse(part, out var seed))
            {
                seeds.Add(seed);
            }
            else
            {
                throw new CommandLineException($"sweep: --seeds {spec}: '{part}' is neither a seed nor a range like 0-4.");
            }
        }
        if (seeds.Distinct().Count() != seeds.Count)
        {
            throw new CommandLineException($"sweep: --seeds {spec} names a seed twice.");
        }
        return seeds;
    }

    private static (string, string[]) ParseGrid(string cross)
    {
        var equals = cross.IndexOf('=');
        var values = equals > 0 ? cross[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries) : [];
        if (equals <= 0 || values.Any(v => v.Length == 0))
        {
            throw new CommandLineException($"sweep: --grid {cross}: expected FLAG=V1,V2 (for example --grid loss_nir_w_align=0.005,0.01).");
        }
        return (cross[..equals].TrimStart('-'), values);
    }
}
