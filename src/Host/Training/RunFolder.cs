using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NirHost.Host.Training;

/// <summary>
/// The folder a run writes to, laid out as the original's logger does: <c>Parameter_Info.txt</c>,
/// <c>CSV_Logs/Data_&lt;Split&gt;.csv</c>, plus <c>config.json</c> and <c>summary.json</c>.
/// Files that are rewritten go through a temporary file and a rename, so a kill never leaves half a file.
/// </summary>
public sealed class RunFolder
{
    private readonly Dictionary<string, string[]> _csvColumns = new(StringComparer.Ordinal);

    private RunFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>Creates <c>save_path/dataset/name</c>, adding _1, _2, ... when it exists, as the original does.</summary>
    public static RunFolder Create(string savePath, string dataset, string name)
    {
        var parent = System.IO.Path.Combine(savePath, dataset);
        var candidate = System.IO.Path.Combine(parent, name);
        for (var counter = 1; Directory.Exists(candidate); counter++)
        {
            candidate = System.IO.Path.Combine(parent, $"{name}_{counter}");
        }
        try
        {
            Directory.CreateDirectory(candidate);
            Directory.CreateDirectory(System.IO.Path.Combine(candidate, "CSV_Logs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the run folder {candidate} (--save_path {savePath}): {e.Message}", e);
        }
        return new RunFolder(candidate);
    }

    public void WriteParameters(IEnumerable<(string Flag, string Value)> flags, string command)
    {
        var text = new StringBuilder();
        var config = new JsonObject();
        foreach (var (flag, value) in flags)
        {
            text.Append(flag).Append('\n').Append('\t').Append(value).Append("\n\n");
            config[flag] = value;
        }
        WriteAtomically("Parameter_Info.txt", text.ToString());
        var document = new JsonObject { ["command"] = command, ["flags"] = config };
        WriteAtomically("config.json", document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Appends a row to <c>CSV_Logs/Data_&lt;split&gt;.csv</c>, writing the header with the first row.</summary>
    public void AppendCsv(string split, IReadOnlyList<(string Column, double Value)> row)
    {
        var file = System.IO.Path.Combine(Path, "CSV_Logs", $"Data_{split}.csv");
        var columns = row.Select(c => c.Column).ToArray();
        var builder = new StringBuilder();
        if (!_csvColumns.TryGetValue(split, out var known))
        {
            _csvColumns[split] = columns;
            builder.AppendLine(string.Join(',', columns));
        }
        else if (!known.SequenceEqual(columns))
        {
            throw new InvalidOperationException($"CSV log {file} changed columns mid-run.");
        }
        builder.AppendLine(string.Join(',', row.Select(c => c.Value.ToString("R", CultureInfo.InvariantCulture))));
        File.AppendAllText(file, builder.ToString());
    }

    public void WriteAtomically(string fileName, string content)
    {
        var target = System.IO.Path.Combine(Path, fileName);
        var temporary = target + ".tmp";
        try
        {
            File.WriteAllText(temporary, content);
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not write {target}: {e.Message}", e);
        }
    }
}
