namespace NirHost.Host.Reporting.Reports;

/// <summary>Runs of one configuration over seeds: what a row of the results table averages.</summary>
/// <param name="Name">The run's <c>--group</c>, or the flags that set the group apart from the others.</param>
/// <param name="Flags">Each flag that counts for grouping, with the group's values (one, or several where runs of one <c>--group</c> differ).</param>
public sealed record RunGroup(string Name, IReadOnlyList<RunRecord> Runs, IReadOnlyDictionary<string, IReadOnlyList<string>> Flags);
