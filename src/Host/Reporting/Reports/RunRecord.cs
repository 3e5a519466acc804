using System.Globalization;
using NirHost.Host.Evaluation;
using NirHost.Host.Training;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// What a report reads of one run folder: <c>config.json</c> (flags, seed, group), <c>summary.json</c> (status, best and
/// last values), the per-epoch CSV tables, and where the retrieval figure and the last test embeddings are, if written.
/// </summary>
public sealed class RunRecord
{
    /// <summary>The splits whose tables a report reads, as the run folder names them.</summary>
    public static readonly IReadOnlyList<string> Splits = ["Test", "Val", "Train"];

    private RunRecord(string folder, RunConfigFile config, RunSummary summary, IReadOnlyDictionary<string, EpochTable> tables)
    {
        Folder = folder;
        Config = config;
        Summary = summary;
        Tables = tables;
        Flags = config.Flags ?? new Dictionary<string, string>(StringComparer.Ordinal);
        Seed = Flags.TryGetValue("seed", out var seed) && int.TryParse(seed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public string Folder { get; }

    /// <summary>The folder's own name, how the run is called in a report.</summary>
    public string Name => Path.GetFileName(Folder);

    public RunConfigFile Config { get; }

    public RunSummary Summary { get; }

    public IReadOnlyDictionary<string, string> Flags { get; }

    public int? Seed { get; }

    /// <summary>Per split (Test, Val, Train), the CSV table of its epochs; splits the run did not evaluate are absent.</summary>
    public IReadOnlyDictionary<string, EpochTable> Tables { get; }

    public bool HasValidation => Summary.Metrics.ContainsKey("Val");

    public string? RetrievalFigurePath => ExistingFile(RetrievalFigure.FileName);

    /// <summary>The retrieval figure's small JPEG, written with it by runs since reports exist.</summary>
    public string? RetrievalPreviewPath => ExistingFile(RetrievalFigure.PreviewFileName);

    public string? TestEmbeddingsPath => ExistingFile(TestEmbeddingsFile.FileName);

    /// <summary>True when <paramref name="folder"/> holds a run: its <c>summary.json</c> and <c>config.json</c>.</summary>
    public static bool IsRunFolder(string folder) =>
        File.Exists(Path.Combine(folder, "summary.json")) && File.Exists(Path.Combine(folder, RunConfigFile.FileName));

    /// <summary>Reads a run folder; a file that cannot be read is an error naming it.</summary>
    public static RunRecord Load(string folder)
    {
        var full = Path.GetFullPath(folder);
        var summaryPath = Path.Combine(full, "summary.json");
        RunSummary summary;
        try
        {
            summary = RunSummary.FromJson(File.ReadAllText(summaryPath));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{summaryPath} is not a run summary ({e.Message}).", e);
        }
        var config = RunConfigFile.Read(Path.Combine(full, RunConfigFile.FileName));
        var tables = new Dictionary<string, EpochTable>(StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            if (EpochTable.Read(Path.Combine(full, "CSV_Logs", $"Data_{split}.csv")) is { } table)
            {
                tables[split] = table;
            }
        }
        return new RunRecord(full, config, summary, tables);
    }

    private string? ExistingFile(string name)
    {
        var path = Path.Combine(Folder, name);
        return File.Exists(path) ? path : null;
    }
}
