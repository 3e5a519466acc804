namespace NirHost.Host.Reporting.Reports;

/// <summary>One group's line of a results table: a cell per metric (null where none of its runs has the metric).</summary>
/// <param name="Selection">Which epoch the values come from, in words ("last epoch 11", "best on Val").</param>
/// <param name="Unfinished">Runs of the group whose status is not completed, whose values are in the cells all the same.</param>
public sealed record ResultRow(RunGroup Group, int Runs, string Selection, int Unfinished, IReadOnlyList<ResultCell?> Cells);
