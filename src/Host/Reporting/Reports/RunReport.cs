namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// What <c>nirhost report</c> reads and computes before rendering: the run folders under the given folders, their
/// groups, the results table (validation-chosen or last epoch) and, labelled as such, the best-on-test table.
/// </summary>
public sealed class RunReport
{
    private RunReport(IReadOnlyList<string> sources, IReadOnlyList<RunRecord> runs, IReadOnlyList<RunGroup> groups)
    {
        Sources = sources;
        Runs = runs;
        Groups = groups;
        Results = ResultsTable.Build(groups, EpochChoice.ValidationOrLast);
        BestOnTest = ResultsTable.Build(groups, EpochChoice.BestOnTest);
        DifferingFlags = RunGrouping.DifferingFlags([.. groups.Select(g => g.Flags)]);
    }

    /// <summary>The folders the report was asked for, as given.</summary>
    public IReadOnlyList<string> Sources { get; }

    public IReadOnlyList<RunRecord> Runs { get; }

    public IReadOnlyList<RunGroup> Groups { get; }

    public ResultsTable Results { get; }

    public ResultsTable BestOnTest { get; }

    /// <summary>The flags whose values differ between groups (only those), in flag order.</summary>
    public IReadOnlyList<string> DifferingFlags { get; }

    /// <summary>Finds and reads every run under <paramref name="folders"/>; none found is an error naming the folders.</summary>
    public static RunReport Load(IReadOnlyList<string> folders)
    {
        var found = RunDiscovery.Find(folders);
        if (found.Count == 0)
        {
            throw new IOException($"No run folder (a folder with summary.json and config.json) under {string.Join(", ", folders)}.");
        }
        var runs = found.Select(RunRecord.Load).ToList();
        return new RunReport(folders, runs, RunGrouping.Group(runs));
    }
}
