using Spectre.Console;

namespace NirHost.Host.Training;

/// <summary>
/// Shows training progress: a live bar with the running loss on a terminal, one line per phase when the
/// output is redirected (CI logs, tests), nothing at all when quiet.
/// </summary>
public sealed class TrainingReporter(IAnsiConsole console, bool quiet = false)
{
    public static TrainingReporter ForConsole(bool quiet = false) => new(AnsiConsole.Console, quiet);

    /// <summary>Called with the number of completed epochs once an epoch's logs and checkpoint are written.</summary>
    public Action<int>? EpochCompleted { get; init; }

    /// <summary>Called after every training step with the epoch and the number of steps done in it (tests, embedders).</summary>
    public Action<int, int>? StepCompleted { get; init; }

    public bool Interactive => !quiet && console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public void Line(string markup)
    {
        if (!quiet)
        {
            console.MarkupLine(markup);
        }
    }

    /// <summary>Runs <paramref name="work"/> with a progress task; the callback advances it and sets its description.</summary>
    public T Progress<T>(string description, int total, Func<Action<int, string>, T> work)
    {
        if (!Interactive)
        {
            return work((_, _) => { });
        }
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                return work((done, text) =>
                {
                    task.Value = done;
                    task.Description = Markup.Escape(text);
                });
            });
    }

    public void Table(string title, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> rows)
    {
        if (quiet)
        {
            return;
        }
        var table = new Table().Title(Markup.Escape(title)).AddColumn("split");
        var metrics = rows.Values.SelectMany(r => r.Keys).Distinct().ToList();
        foreach (var metric in metrics)
        {
            table.AddColumn(new TableColumn(Markup.Escape(metric)).RightAligned());
        }
        foreach (var (split, values) in rows)
        {
            table.AddRow([Markup.Escape(split), .. metrics.Select(m => values.TryGetValue(m, out var v) ? v.ToString("0.0000") : "")]);
        }
        console.Write(table);
    }
}
