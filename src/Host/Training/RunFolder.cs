using System.Globalization;
using System.Text;
using NirHost.Evaluation;
using NirHost.Host.IO;

namespace NirHost.Host.Training;

/// <summary>
/// The folder a run writes to, laid out as the original's logger does: <c>Parameter_Info.txt</c> and its
/// per-group logs <c>CSV_Logs/Data_&lt;Split&gt;_&lt;group&gt;.csv</c>, plus one table per split
/// (<c>CSV_Logs/Data_&lt;Split&gt;.csv</c>), <c>config.json</c> and <c>summary.json</c>.
/// Files that are rewritten go through a temporary file and a rename, so a kill never leaves half a file.
/// </summary>
public sealed class RunFolder
{
    private readonly Dictionary<string, string[]> _csvColumns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _csvRows = new(StringComparer.Ordinal);

    private RunFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>
    /// The original's run names: <c>--savename</c> as given; <c>group_plus_seed</c> (the default) is
    /// <c>&lt;group&gt;_s&lt;seed&gt;</c> with <c>--log_online</c> and otherwise, as an empty savename,
    /// <c>DATASET_ARCH_year-month-day-hour-minute-second</c>.
    /// </summary>
    public static string RunName(Options.RunOptions run, string dataset, string arch, int seed, DateTime now)
    {
        var name = run.Savename;
        if (name == "group_plus_seed")
        {
            name = run.LogOnline ? $"{run.Group}_s{seed}" : "";
        }
        return name.Length > 0
            ? name
            : $"{dataset.ToUpperInvariant()}_{arch.ToUpperInvariant()}_{now.Year}-{now.Month}-{now.Day}-{now.Hour}-{now.Minute}-{now.Second}";
    }

    /// <summary>
    /// Creates <c>save_path/dataset/name</c>, adding _1, _2, ... when it exists, as the original does, but race-free:
    /// two runs started at once with the same name (the default name has one-second resolution) never share a folder.
    /// The folder is prepared under a unique temporary name and renamed into place; a rename onto a folder that
    /// another run claimed (never empty: it holds CSV_Logs) fails, and the next suffix is tried.
    /// </summary>
    public static RunFolder Create(string savePath, string dataset, string name)
    {
        var parent = System.IO.Path.Combine(savePath, dataset);
        string? staged = null;
        try
        {
            Directory.CreateDirectory(parent);
            staged = System.IO.Path.Combine(parent, $".claim-{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(System.IO.Path.Combine(staged, "CSV_Logs"));
            for (var counter = 0; ; counter++)
            {
                var candidate = System.IO.Path.Combine(parent, counter == 0 ? name : $"{name}_{counter}");
                if (Directory.Exists(candidate) || File.Exists(candidate))
                {
                    continue;
                }
                try
                {
                    Directory.Move(staged, candidate);
                    staged = null;
                    return new RunFolder(System.IO.Path.GetFullPath(candidate));
                }
                catch (IOException) when (Directory.Exists(candidate) && Directory.Exists(staged))
                {
                    // Claimed by another run between the check and the rename: take the next suffix.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the run folder {System.IO.Path.Combine(parent, name)} (--save_path {savePath}): {e.Message}", e);
        }
        finally
        {
            if (staged is not null && Directory.Exists(staged))
            {
                Directory.Delete(staged, recursive: true);
            }
        }
    }

    /// <summary>
    /// Opens the folder of an earlier run to continue it, cutting every CSV log back to the rows it had when
    /// <paramref name="csvRows"/> was recorded (a run killed after logging an epoch but before its checkpoint
    /// would otherwise log that epoch twice). Logs absent from <paramref name="csvRows"/> are removed.
    /// </summary>
    public static RunFolder Open(string path, IReadOnlyDictionary<string, int> csvRows)
    {
        if (!Directory.Exists(path))
        {
            throw new IOException($"Run folder {path} does not exist.");
        }
        var folder = new RunFolder(System.IO.Path.GetFullPath(path));
        var logs = System.IO.Path.Combine(folder.Path, "CSV_Logs");
        Directory.CreateDirectory(logs);
        foreach (var file in Directory.GetFiles(logs, "*.csv"))
        {
            var name = System.IO.Path.GetFileName(file);
            if (!csvRows.TryGetValue(name, out var rows))
            {
                File.Delete(file);
                continue;
            }
            var lines = File.ReadAllLines(file);
            if (lines.Length == 0 || lines.Length - 1 < rows)
            {
                throw new InvalidDataException($"{file} holds {Math.Max(0, lines.Length - 1)} rows, but the checkpoint recorded {rows}.");
            }
            if (lines.Length - 1 > rows)
            {
                folder.WriteAtomically(System.IO.Path.Combine("CSV_Logs", name), string.Concat(lines.Take(rows + 1).Select(l => l + '\n')));
            }
            folder._csvColumns[name] = lines[0].Split(',');
            folder._csvRows[name] = rows;
        }
        return folder;
    }

    /// <summary>Data rows written to each file in <c>CSV_Logs</c> so far.</summary>
    public IReadOnlyDictionary<string, int> CsvRows => _csvRows;

    public void WriteParameters(IEnumerable<(string Flag, string Value)> flags, string command, IEnumerable<string> arguments)
    {
        var text = new StringBuilder();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (flag, value) in flags)
        {
            text.Append(flag).Append('\n').Append('\t').Append(value).Append("\n\n");
            values[flag] = value;
        }
        WriteAtomically("Parameter_Info.txt", text.ToString());
        WriteAtomically(RunConfigFile.FileName, new RunConfigFile { Command = command, Arguments = [.. arguments], Flags = values }.ToJson());
    }

    /// <summary>Appends a row to <c>CSV_Logs/Data_&lt;split&gt;.csv</c>, writing the header with the first row.</summary>
    public void AppendCsv(string split, IReadOnlyList<(string Column, double Value)> row) => AppendRow($"Data_{split}.csv", row);

    /// <summary>
    /// Appends an epoch to the original logger's files: one file per logged group, <c>Data_&lt;split&gt;_&lt;group&gt;.csv</c>.
    /// Each of <paramref name="scalars"/> (the training split's epochs, loss, time) is its own group; metrics are
    /// grouped by evaluated output and name before the '@' (<c>embeds_e_recall</c> holds e_recall@1, @2, ...;
    /// <c>avg_features_e_recall</c> the same metrics of <c>avg_features/e_recall@k</c>, see <see cref="Evaluator.Key"/>).
    /// </summary>
    public void AppendOriginalCsv(string split, IReadOnlyList<(string Name, double Value)> scalars, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (name, value) in scalars)
        {
            AppendRow($"Data_{split}_{name}.csv", [(name, value)]);
        }
        var parsed = metrics.Select(m => (Key: Evaluator.ParseKey(m.Key), m.Value));
        foreach (var group in parsed.GroupBy(m => $"{m.Key.Evaltype}_{m.Key.Metric.Split('@')[0]}", StringComparer.Ordinal))
        {
            AppendRow($"Data_{split}_{group.Key}.csv", [.. group.Select(m => (m.Key.Metric, m.Value))]);
        }
    }

    private void AppendRow(string name, IReadOnlyList<(string Column, double Value)> row)
    {
        var file = System.IO.Path.Combine(Path, "CSV_Logs", name);
        var columns = row.Select(c => c.Column).ToArray();
        var builder = new StringBuilder();
        if (!_csvColumns.TryGetValue(name, out var known))
        {
            _csvColumns[name] = columns;
            builder.Append(string.Join(',', columns)).Append('\n');
        }
        else if (!known.SequenceEqual(columns))
        {
            throw new InvalidOperationException($"CSV log {file} changed columns mid-run.");
        }
        // '\n' on every system (not AppendLine's platform newline), so that a run folder reads the same everywhere.
        builder.Append(string.Join(',', row.Select(c => NonFiniteNumbers.Csv(c.Value)))).Append('\n');
        // Rewritten whole rather than appended, so that a kill mid-write never leaves half a row; the logs are small.
        string existing;
        try
        {
            // Rows written by an older version on Windows end in "\r\n": made '\n' so that a resumed log is not mixed.
            existing = File.Exists(file) ? File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not read {file} to add a row: {e.Message}", e);
        }
        WriteAtomically(System.IO.Path.Combine("CSV_Logs", name), existing + builder);
        _csvRows[name] = _csvRows.GetValueOrDefault(name) + 1;
    }

    /// <summary>
    /// Writes a file of the run folder through a temporary file that is flushed to disk and then renamed over the
    /// target: a kill or a full disk leaves the previous version whole. A failure says which file and why.
    /// </summary>
    public void WriteAtomically(string fileName, string content)
    {
        AtomicFile.Write(System.IO.Path.Combine(Path, fileName), stream => stream.Write(Encoding.UTF8.GetBytes(content)));
    }
}
