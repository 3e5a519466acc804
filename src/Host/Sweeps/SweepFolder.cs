using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Training;

namespace NirHost.Host.Sweeps;

/// <summary>
/// The folder of a sweep: <c>plan.json</c> (the runs, written once: running the same command again finds the same
/// plan), <c>runs/</c> (the run folders), <c>logs/&lt;id&gt;.log</c> (each run's output), <c>sweep.log</c> (what the
/// sweep did, when) and <c>state.json</c> (every run's status, rewritten whenever a run starts or ends). The truth of a
/// run's state is its run folder's <c>summary.json</c>: <c>state.json</c> is recomputed from them, so concurrent array
/// tasks that rewrite it never lose a run's state.
/// </summary>
public sealed class SweepFolder
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly object _logLock = new();

    private SweepFolder(string path) => Path = path;

    public string Path { get; }

    public string PlanFile => System.IO.Path.Combine(Path, "plan.json");

    public string LogsFolder => System.IO.Path.Combine(Path, "logs");

    /// <summary>
    /// Opens the sweep folder for <paramref name="plan"/>, writing the plan on first use. A folder holding another plan
    /// (the file or the options changed) is refused: its runs would be mixed with different ones.
    /// </summary>
    public static SweepFolder Open(string dir, SweepPlan plan, string file)
    {
        var folder = new SweepFolder(System.IO.Path.GetFullPath(dir));
        Directory.CreateDirectory(folder.LogsFolder);
        var json = PlanJson(plan, file);
        if (File.Exists(folder.PlanFile))
        {
            var existing = JsonNode.Parse(File.ReadAllText(folder.PlanFile))!["runs"]!.ToJsonString();
            if (existing != json["runs"]!.ToJsonString())
            {
                throw new CommandLineException($"sweep: {folder.Path} holds another sweep's plan (plan.json: different runs or flags). " +
                    "Give a new --dir, or remove that folder to start over.");
            }
            return folder;
        }
        AtomicFile.Write(folder.PlanFile, stream => stream.Write(Encoding.UTF8.GetBytes(json.ToJsonString(Indented) + "\n")));
        return folder;
    }

    private static JsonObject PlanJson(SweepPlan plan, string file) => new()
    {
        ["file"] = System.IO.Path.GetFullPath(file),
        ["runs"] = new JsonArray([.. plan.Runs.Select(run => (JsonNode)new JsonObject
        {
            ["task"] = run.Task,
            ["id"] = run.Id,
            ["group"] = run.Group,
            ["seed"] = run.Seed,
            ["line"] = run.LineNumber,
            ["args"] = new JsonArray([.. run.Args.Select(a => (JsonNode)JsonValue.Create(a)!)]),
        })]),
    };

    /// <summary>The run's folder (<c>runs/&lt;dataset&gt;/&lt;id&gt;</c>), whether or not it exists yet.</summary>
    public static string RunFolderOf(SweepRun run)
    {
        var savePath = SweepPlan.FlagValues(run.Args, "save_path")[0];
        var dataset = SweepPlan.FlagValues(run.Args, "dataset").FirstOrDefault() ?? new Options.DataOptions().Dataset;
        return System.IO.Path.Combine(savePath, dataset, run.Id);
    }

    public string LogOf(SweepRun run) => System.IO.Path.Combine(LogsFolder, run.Id + ".log");

    /// <summary>What the run's folder says: pending (no folder yet), or its summary's status.</summary>
    public static string StatusOf(SweepRun run)
    {
        var summary = System.IO.Path.Combine(RunFolderOf(run), "summary.json");
        if (!File.Exists(summary))
        {
            return Directory.Exists(RunFolderOf(run)) ? RunStatus.Interrupted : SweepStatus.Pending;
        }
        try
        {
            return RunSummary.FromJson(File.ReadAllText(summary)).Status;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return RunStatus.Interrupted;
        }
    }

    public static bool HasCheckpoint(SweepRun run) => File.Exists(TrainingCheckpoint.PathIn(RunFolderOf(run)));

    /// <summary>Moves a run folder that cannot be resumed aside (never deleted), so that the run starts over in its place.</summary>
    public string SetAside(SweepRun run)
    {
        var folder = RunFolderOf(run);
        var target = folder + ".failed";
        for (var n = 2; Directory.Exists(target); n++)
        {
            target = $"{folder}.failed-{n}";
        }
        Directory.Move(folder, target);
        return target;
    }

    /// <summary>Rewrites <c>state.json</c> from the runs' folders: each run's id, task, group, seed, status and folder.</summary>
    public void WriteState(IReadOnlyList<SweepRun> runs)
    {
        var state = new JsonObject
        {
            ["updated"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["runs"] = new JsonArray([.. runs.Select(run => (JsonNode)new JsonObject
            {
                ["task"] = run.Task,
                ["id"] = run.Id,
                ["group"] = run.Group,
                ["seed"] = run.Seed,
                ["status"] = StatusOf(run),
                ["folder"] = RunFolderOf(run),
            })]),
        };
        lock (_logLock)
        {
            AtomicFile.Write(System.IO.Path.Combine(Path, "state.json"), stream => stream.Write(Encoding.UTF8.GetBytes(state.ToJsonString(Indented) + "\n")));
        }
    }

    public void Log(string message)
    {
        lock (_logLock)
        {
            File.AppendAllText(System.IO.Path.Combine(Path, "sweep.log"), $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z {message}\n");
        }
    }
}

/// <summary>States a sweep gives runs besides the run statuses of <see cref="RunStatus"/>.</summary>
public static class SweepStatus
{
    public const string Pending = "pending";
}
