using NirHost.Host.Training;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// Groups x test metrics, each cell the mean ± sample standard deviation over the group's runs with n, the best mean
/// of each column marked, as the paper's tables. Every value is a run's test value at the epoch <see cref="Choice"/> says.
/// </summary>
public sealed class ResultsTable
{
    public const string Split = "Test";

    private ResultsTable(EpochChoice choice, IReadOnlyList<string> metrics, IReadOnlyList<ResultRow> rows)
    {
        Choice = choice;
        Metrics = metrics;
        Rows = rows;
    }

    public EpochChoice Choice { get; }

    public IReadOnlyList<string> Metrics { get; }

    public IReadOnlyList<ResultRow> Rows { get; }

    /// <summary>What the numbers are, for the line above the table.</summary>
    public string Caption => Choice == EpochChoice.BestOnTest
        ? "Best on test: each run's best test value over its epochs. Optimistic, since the epoch is chosen on the test split itself; for comparison only."
        : "Test values of each run at the epoch its validation split (--use_tv_split) scores best on the same metric, or at its last epoch for runs without one. " +
          "Mean ± sample standard deviation over seeds; n runs; best mean per column in bold. Epochs count from 0, as the logs do.";

    public static ResultsTable Build(IReadOnlyList<RunGroup> groups, EpochChoice choice)
    {
        var metrics = groups.SelectMany(g => g.Runs)
            .SelectMany(r => r.Summary.Metrics.TryGetValue(Split, out var test) ? test.Keys : Enumerable.Empty<string>())
            .Distinct(StringComparer.Ordinal).ToList();
        var cells = groups.Select(group => metrics.Select(metric => Cell(group, metric, choice)).ToArray()).ToList();
        for (var column = 0; column < metrics.Count; column++)
        {
            var means = cells.Select(row => row[column]).OfType<ResultCell>().Select(c => ReportNumbers.Rounded(c.Mean)).Where(double.IsFinite).ToList();
            if (means.Count == 0)
            {
                continue;
            }
            // Higher is better, as summary.json's "best" and --storage_metrics take it; ties as printed are all marked.
            var best = means.Max();
            foreach (var row in cells)
            {
                if (row[column] is { } cell && ReportNumbers.Rounded(cell.Mean) == best)
                {
                    row[column] = cell with { Best = true };
                }
            }
        }
        var rows = groups.Select((group, i) => new ResultRow(group, group.Runs.Count, Selection(group, choice),
            group.Runs.Count(r => r.Summary.Status != RunStatus.Completed), cells[i])).ToList();
        return new ResultsTable(choice, metrics, rows);
    }

    /// <summary>
    /// A run's value of <paramref name="metric"/> and its epoch; null where the run has none (no epoch evaluated, or the
    /// validation's chosen epoch missing from the test log).
    /// </summary>
    public static (double Value, int Epoch)? Value(RunRecord run, string metric, EpochChoice choice)
    {
        if (!run.Summary.Metrics.TryGetValue(Split, out var test) || !test.TryGetValue(metric, out var summary))
        {
            return null;
        }
        if (choice == EpochChoice.BestOnTest)
        {
            return (summary.Best, summary.BestEpoch);
        }
        if (run.Summary.Metrics.TryGetValue("Val", out var validation) && validation.TryGetValue(metric, out var chosen))
        {
            return run.Tables.TryGetValue(Split, out var table) && table.Value(chosen.BestEpoch, metric) is { } value
                ? (value, chosen.BestEpoch)
                : null;
        }
        return (summary.Last, run.Tables.GetValueOrDefault(Split)?.LastEpoch ?? run.Summary.Epochs - 1);
    }

    private static ResultCell? Cell(RunGroup group, string metric, EpochChoice choice)
    {
        var values = group.Runs.Select(run => Value(run, metric, choice)).OfType<(double, int)>().ToList();
        return values.Count == 0 ? null : ResultCell.Of(values);
    }

    private static string Selection(RunGroup group, EpochChoice choice)
    {
        var evaluated = group.Runs.Where(r => r.Summary.Metrics.ContainsKey(Split)).ToList();
        if (evaluated.Count == 0)
        {
            return "no epoch evaluated";
        }
        if (choice == EpochChoice.BestOnTest)
        {
            return "best on Test";
        }
        var validated = evaluated.Count(r => r.HasValidation);
        var last = ReportNumbers.Epochs(evaluated.Where(r => !r.HasValidation).Select(r => r.Tables.GetValueOrDefault(Split)?.LastEpoch ?? r.Summary.Epochs - 1));
        return validated == evaluated.Count ? "best on Val"
            : validated == 0 ? $"last epoch ({last})"
            : $"best on Val ({validated} runs), last epoch ({evaluated.Count - validated} runs: {last})";
    }
}
