using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;

namespace NirHost.Host.Sweeps;

/// <summary>
/// The runs of a sweep: every valid line of the file, crossed with the <c>--grid</c> values, at every seed. Each line
/// is parsed and validated as a run command line would be (flag names and values, component names, cross-flag
/// rules), without touching data or devices; a line that fails is reported with its number and the reason, which
/// names the closest flag or component where one is near.
/// </summary>
public sealed class SweepPlan
{
    /// <summary>Flags the sweep sets for every run itself.</summary>
    private static readonly string[] SweepFlags = ["seed", "save_path", "savename", "resume"];

    private SweepPlan(IReadOnlyList<SweepRun> runs, IReadOnlyList<string> problems, IReadOnlyList<string> notices)
    {
        Runs = runs;
        Problems = problems;
        Notices = notices;
    }

    public IReadOnlyList<SweepRun> Runs { get; }

    /// <summary>One line per refused file line: its number and why.</summary>
    public IReadOnlyList<string> Problems { get; }

    public IReadOnlyList<string> Notices { get; }

    /// <summary>Where every run's folder goes: <c>&lt;dir&gt;/runs/&lt;dataset&gt;/&lt;id&gt;</c>.</summary>
    public static string RunsFolder(string dir) => Path.Combine(dir, "runs");

    public static SweepPlan Build(SweepOptions options, PluginCatalog catalog, FlagCatalog flags)
    {
        var lines = SweepScript.Parse(options.File, options.Variables);
        var runs = new List<SweepRun>();
        var problems = new List<string>();
        var notices = new List<string>();
        foreach (var flag in options.Grid.Select(g => g.Flag))
        {
            if (!flags.Names.Contains(flag))
            {
                var closest = Suggestions.Closest(flag, flags.Names);
                throw new CommandLineException($"sweep: --grid {flag}: no such flag" + (closest is null ? "." : $"; did you mean {closest}?"));
            }
        }
        if (lines.Any(l => l.DroppedGpu))
        {
            notices.Add(options.Slurm || options.Task is not null
                ? "--gpu in the file's lines is dropped: under SLURM each task runs on the device its allocation gives it."
                : $"--gpu in the file's lines is dropped: every run uses the sweep's device ({options.Device ?? "each line's --device, default auto"}).");
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var configurations = Cross(line.Args, options.Grid);
            var lineRuns = new List<SweepRun>();
            string? problem = null;
            foreach (var (args, suffix) in configurations)
            {
                var seeds = options.Seeds.Count > 0 ? options.Seeds : [OwnSeed(args, flags)];
                var group = (FlagValues(args, "group").FirstOrDefault() is { Length: > 0 } named ? named : $"line{line.LineNumber}") + suffix;
                foreach (var seed in seeds)
                {
                    var id = Unique($"{Sanitise(group)}_s{seed}", line.LineNumber, ids);
                    var runArgs = WithFlag(WithoutFlags(args, SweepFlags), "seed", seed.ToString());
                    if (options.Device is not null)
                    {
                        runArgs = WithFlag(runArgs, "device", options.Device);
                    }
                    else if (options.Slurm || options.Task is not null)
                    {
                        runArgs = WithFlag(runArgs, "device", "auto");
                    }
                    runArgs = WithFlag(WithFlag(runArgs, "save_path", RunsFolder(options.Dir)), "savename", id);
                    problem ??= Validate(runArgs, catalog, flags);
                    lineRuns.Add(new SweepRun(0, id, group, seed, line.LineNumber, runArgs));
                }
            }
            if (problem is not null)
            {
                problems.Add($"line {line.LineNumber}: {problem}");
                foreach (var run in lineRuns)
                {
                    ids.Remove(run.Id);
                }
                continue;
            }
            runs.AddRange(lineRuns);
        }
        return new SweepPlan([.. runs.Select((run, task) => run with { Task = task })], problems, notices);
    }

    /// <summary>
    /// Every problem of a line at once: each unknown flag with the closest known one, then what validating the rest
    /// finds (a component name such as <c>--loss normflow</c> with the closest one, a value out of range, a rule across flags).
    /// </summary>
    private static string? Validate(IReadOnlyList<string> args, PluginCatalog catalog, FlagCatalog flags)
    {
        var known = flags.Names.ToHashSet(StringComparer.Ordinal);
        var unknown = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && !known.Contains(a[2..])).Select(a => a[2..]).Distinct().ToList();
        var problems = unknown.Select(flag => Suggestions.Closest(flag, known) is { } closest
            ? $"unknown flag --{flag} (did you mean --{closest}?)"
            : $"unknown flag --{flag}").ToList();
        try
        {
            RunValidation.Validate(RunCommandLine.Parse(flags, WithoutFlags(args, unknown)), catalog);
        }
        catch (Exception e) when (e is CommandLineException or ArgumentException or ComponentException)
        {
            problems.Add(e.Message);
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Every combination of the grid's values applied to a line, with a group suffix naming them.</summary>
    private static List<(List<string> Args, string Suffix)> Cross(IReadOnlyList<string> args, List<(string Flag, string[] Values)> grid)
    {
        var result = new List<(List<string>, string)> { ([.. args], "") };
        foreach (var (flag, values) in grid)
        {
            result = [.. result.SelectMany(c => values.Select(v => (WithFlag(c.Item1, flag, v), $"{c.Item2}_{flag}-{v}")))];
        }
        return result;
    }

    private static int OwnSeed(IReadOnlyList<string> args, FlagCatalog flags)
    {
        var given = FlagValues(args, "seed").FirstOrDefault();
        return given is not null && int.TryParse(given, out var seed) ? seed : new OptimizationOptions().Seed;
    }

    /// <summary>The values after <c>--name</c> (up to the next flag); empty when absent.</summary>
    public static List<string> FlagValues(IReadOnlyList<string> args, string name)
    {
        var at = args.ToList().IndexOf("--" + name);
        return at < 0 ? [] : [.. args.Skip(at + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))];
    }

    public static List<string> WithoutFlags(IReadOnlyList<string> args, IReadOnlyCollection<string> names)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && names.Contains(args[i][2..]))
            {
                while (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    i++;
                }
                continue;
            }
            result.Add(args[i]);
        }
        return result;
    }

    public static List<string> WithFlag(IReadOnlyList<string> args, string name, string value) => [.. WithoutFlags(args, [name]), "--" + name, value];

    private static string Sanitise(string group) =>
        new([.. group.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

    private static string Unique(string id, int line, HashSet<string> ids)
    {
        var unique = ids.Contains(id) ? $"{id}_line{line}" : id;
        for (var n = 2; !ids.Add(unique); n++)
        {
            unique = $"{id}_line{line}_{n}";
        }
        return unique;
    }
}
