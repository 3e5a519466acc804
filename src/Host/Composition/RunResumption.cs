using NirHost.Host.Cli;
using NirHost.Host.Options;
using NirHost.Host.Training;

namespace NirHost.Host.Composition;

/// <summary>
/// <c>--resume RUN_FOLDER</c>: rebuilds the configuration a run started with from its <c>config.json</c>, so
/// that the continued run is the same run. Only flags that cannot change its numbers may differ.
/// </summary>
public static class RunResumption
{
    /// <summary>Flags a resumed run may set anew: where it runs and how it reports, never what it computes.</summary>
    /// <remarks>
    /// The non-finite policy changes nothing while numbers stay finite; resuming a diverged run with skip or rollback is its use.
    /// </remarks>
    public static readonly string[] Changeable =
        ["resume", "device", "gpu", "kernels", "debug", "on_nonfinite", "max_consecutive_skips", "rollback_every", "rollback_lr_factor", "max_rollbacks"];

    /// <summary>
    /// The <c>config.json</c> of the run folder <paramref name="folder"/>, with the arguments the run was started with; every
    /// problem (no such file, not a run configuration, written before NirHost recorded arguments) is a command-line error
    /// beginning with <paramref name="context"/>.
    /// </summary>
    public static (IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Flags) ReadRunConfig(string folder, string context, string remedy)
    {
        var configFile = Path.Combine(folder, RunConfigFile.FileName);
        if (!File.Exists(configFile))
        {
            throw new CommandLineException($"{context}: no {RunConfigFile.FileName} there; give the folder of a NirHost training run.");
        }
        RunConfigFile saved;
        try
        {
            saved = RunConfigFile.Read(configFile);
        }
        catch (InvalidDataException e)
        {
            throw new CommandLineException($"{context}: {e.Message}");
        }
        return saved is { Arguments: { } arguments, Flags: { } flags }
            ? (arguments, flags)
            : throw new CommandLineException($"{context}: {configFile} lacks the run's arguments (written by an older NirHost); {remedy}.");
    }

    public static RunConfiguration Prepare(RunConfiguration given, Func<IReadOnlyList<string>, RunConfiguration> parse)
    {
        var folder = given.Get<RunOptions>().Resume;
        if (folder.Length == 0)
        {
            return given;
        }
        folder = Path.GetFullPath(folder);
        var saved = ReadRunConfig(folder, $"--resume {folder}", "start the run anew");
        var givenValues = given.EffectiveFlags().ToDictionary(f => f.Flag, f => f.Value, StringComparer.Ordinal);
        var arguments = saved.Arguments.ToList();
        // Defaults that depend on the working directory are pinned to what the run used.
        foreach (var pinned in new[] { "source_path", "save_path" })
        {
            if (saved.Flags.TryGetValue(pinned, out var value))
            {
                arguments.Add($"--{pinned}={value}");
            }
        }
        foreach (var (flag, values) in given.Arguments.Values)
        {
            if (Changeable.Contains(flag, StringComparer.Ordinal))
            {
                continue;
            }
            if (saved.Flags.TryGetValue(flag, out var before) && before != givenValues[flag])
            {
                throw new CommandLineException(
                    $"--resume continues {folder} with the flags it started with: --{flag} {givenValues[flag]} differs from the run's {(before.Length == 0 ? "''" : before)}. " +
                    "Start a new run to change it.");
            }
        }
        var changeable = given.ArgumentList(flag => flag != "resume" && Changeable.Contains(flag, StringComparer.Ordinal));
        var resumed = parse([.. arguments, .. changeable, $"--resume={folder}"]);

        // A plugin whose default changed since the run started would silently make it another run.
        var changed = resumed.EffectiveFlags()
            .Where(f => !Changeable.Contains(f.Flag, StringComparer.Ordinal) && saved.Flags.TryGetValue(f.Flag, out var before) && before != f.Value)
            .Select(f => $"--{f.Flag} was {saved.Flags[f.Flag]}, is now {f.Value}")
            .ToList();
        if (changed.Count > 0)
        {
            throw new CommandLineException(
                $"--resume {folder}: the installed components no longer give the run's flag values ({string.Join("; ", changed.Take(5))}); continuing would not be the same run.");
        }
        return resumed;
    }
}
