using System.Globalization;
using System.Reflection;
using NirHost.Host.Training;
using Scriban;
using Scriban.Runtime;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// Renders a <see cref="RunReport"/> as one self-contained HTML file through a Scriban template: the one shipped with
/// NirHost (<see cref="TemplateResource"/>) or the user's. Figures are drawn first (in parallel: they are the cost) and
/// handed to the template as <c>data:</c> URIs; the variables are listed in the README (Reports).
/// </summary>
public static class HtmlReport
{
    public const string TemplateResource = "NirHost.Host.Reporting.Reports.report.html.sbn";

    /// <summary>The shipped template's text, for users to start their own from.</summary>
    public static string DefaultTemplate()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(TemplateResource)
            ?? throw new InvalidOperationException($"The report template {TemplateResource} is not embedded in nirhost.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Renders the report; a template that does not parse or fails while rendering is an error naming it and the place.</summary>
    /// <param name="templatePath">The user's template (<c>--template FILE</c>); null for the shipped one.</param>
    public static string Render(RunReport report, string? templatePath = null, string title = "NirHost report")
    {
        var text = templatePath is null ? DefaultTemplate() : File.ReadAllText(templatePath);
        var source = templatePath ?? "report.html.sbn (shipped)";
        var template = Template.Parse(text, source);
        if (template.HasErrors)
        {
            throw new InvalidDataException($"The report template {source} does not parse: {string.Join("; ", template.Messages)}");
        }
        var globals = Model(report, title);
        // No limits (0): a sweep can hold more than Scriban's default of 1000 runs in one loop, and a report with its
        // figures inlined is longer than the 1 MiB at which Scriban otherwise cuts its output short, silently.
        var context = new TemplateContext { LoopLimit = 0, LimitToString = 0, StrictVariables = false, NewLine = "\n" };
        context.PushGlobal(globals);
        try
        {
            return template.Render(context).Replace("\r\n", "\n", StringComparison.Ordinal);
        }
        catch (Scriban.Syntax.ScriptRuntimeException e)
        {
            throw new InvalidDataException($"The report template {source} failed while rendering: {e.Message}", e);
        }
    }

    /// <summary>The template's variables (the README lists them). Figures are drawn here.</summary>
    public static ScriptObject Model(RunReport report, string title)
    {
        var colors = report.Groups.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
        var figures = Figures(report, colors);
        var runFigures = RunFigures(report);
        var model = new ScriptObject
        {
            ["title"] = title,
            ["generated"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["version"] = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            ["sources"] = new ScriptArray(report.Sources),
            ["run_count"] = report.Runs.Count,
            ["group_count"] = report.Groups.Count,
            ["groups"] = new ScriptArray(report.Groups.Select(g => new ScriptObject
            {
                ["name"] = g.Name,
                ["color"] = ReportFigures.GroupColor(colors[g]).ToHex(),
                ["runs"] = g.Runs.Count,
                ["seeds"] = string.Join(", ", g.Runs.Select(r => r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "?")),
            })),
            ["results"] = Table(report.Results, colors),
            ["best_on_test"] = Table(report.BestOnTest, colors),
            ["differing_flags"] = new ScriptObject
            {
                ["flags"] = new ScriptArray(report.DifferingFlags.Select(f => "--" + f)),
                ["rows"] = new ScriptArray(report.Groups.Select(g => new ScriptObject
                {
                    ["group"] = g.Name,
                    ["color"] = ReportFigures.GroupColor(colors[g]).ToHex(),
                    ["values"] = new ScriptArray(report.DifferingFlags.Select(f => RunGrouping.Joined(g.Flags, f))),
                })),
            },
            ["figures"] = new ScriptArray(figures.Select(f => new ScriptObject { ["title"] = f.Title, ["uri"] = f.Uri })),
            ["runs"] = new ScriptArray(report.Groups.SelectMany(g => g.Runs.Select(run => RunModel(run, g, colors[g], runFigures[run])))),
        };
        return model;
    }

    private static ScriptObject Table(ResultsTable table, Dictionary<RunGroup, int> colors) => new()
    {
        ["caption"] = table.Caption,
        ["split"] = ResultsTable.Split,
        ["metrics"] = new ScriptArray(table.Metrics),
        ["rows"] = new ScriptArray(table.Rows.Select(row => new ScriptObject
        {
            ["group"] = row.Group.Name,
            ["label"] = ResultsTableWriter.Label(row),
            ["color"] = ReportFigures.GroupColor(colors[row.Group]).ToHex(),
            ["runs"] = row.Runs,
            ["unfinished"] = row.Unfinished,
            ["selection"] = row.Selection,
            ["cells"] = new ScriptArray(row.Cells.Select(cell => cell is null
                ? new ScriptObject { ["empty"] = true, ["text"] = "-", ["best"] = false, ["n"] = 0, ["epochs"] = "" }
                : new ScriptObject
                {
                    ["empty"] = false,
                    ["text"] = ResultsTableWriter.CellText(cell, row),
                    ["mean"] = ReportNumbers.Format(cell.Mean),
                    ["std"] = cell.StandardDeviation is { } std ? ReportNumbers.Format(std) : "",
                    ["best"] = cell.Best,
                    ["n"] = cell.N,
                    ["epochs"] = ReportNumbers.Epochs(cell.Epochs),
                })),
        })),
    };

    private static ScriptObject RunModel(RunRecord run, RunGroup group, int color, (string? Retrieval, string? Projection, string? Note) figures)
    {
        var summary = run.Summary;
        return new ScriptObject
        {
            ["name"] = run.Name,
            ["folder"] = run.Folder,
            ["group"] = group.Name,
            ["color"] = ReportFigures.GroupColor(color).ToHex(),
            ["seed"] = run.Seed?.ToString(CultureInfo.InvariantCulture) ?? "?",
            ["status"] = summary.Status,
            ["completed"] = summary.Status == RunStatus.Completed,
            ["error"] = summary.Error ?? "",
            ["epochs"] = summary.Epochs,
            ["planned_epochs"] = run.Flags.GetValueOrDefault("n_epochs", "?"),
            ["wall_time"] = ReportNumbers.Duration(summary.WallTimeSeconds),
            ["skipped_steps"] = summary.SkippedSteps,
            ["rollbacks"] = summary.Rollbacks,
            ["learning_rate_scale"] = summary.LearningRateScale.ToString("G4", CultureInfo.InvariantCulture),
            ["resumed_at"] = string.Join(", ", summary.ResumedAtEpochs),
            ["command"] = run.Config.Command,
            ["retrieval_figure"] = figures.Retrieval ?? "",
            ["projection"] = figures.Projection ?? "",
            ["projection_note"] = figures.Note ?? "",
        };
    }

    /// <summary>Metric curves per split, training loss and learning rates, each group a colour with its mean ± std band.</summary>
    private static IReadOnlyList<(string Title, string Uri)> Figures(RunReport report, Dictionary<RunGroup, int> colors)
    {
        var jobs = new List<(string Title, Func<string?> Draw)>();
        foreach (var split in new[] { "Test", "Val" })
        {
            var metrics = report.Runs.Select(r => r.Tables.GetValueOrDefault(split)).OfType<EpochTable>().SelectMany(t => t.Columns).Distinct(StringComparer.Ordinal).ToList();
            foreach (var metric in metrics)
            {
                var title = $"{split} {metric}";
                jobs.Add((title, () => Draw(title, metric, report.Groups.Select(g => (GroupCurve.Of(g.Name, g.Runs.Select(r => Series(r, split, metric))), colors[g])))));
            }
        }
        jobs.Add(("Training loss", () => Draw("Training loss", "loss", report.Groups.Select(g => (GroupCurve.Of(g.Name, g.Runs.Select(Loss)), colors[g])))));
        jobs.Add(("Learning rate", () => LearningRates(report)));
        var drawn = new string?[jobs.Count];
        Parallel.For(0, jobs.Count, i => drawn[i] = jobs[i].Draw());
        return [.. jobs.Select((job, i) => (job.Title, drawn[i])).Where(f => f.Item2 is not null).Select(f => (f.Title, f.Item2!))];
    }

    private static string? Draw(string title, string label, IEnumerable<(GroupCurve? Curve, int Color)> curves)
    {
        var drawn = curves.Where(c => c.Curve is not null).Select(c => (c.Curve!, c.Color)).ToList();
        return drawn.Count == 0 ? null : ReportFigures.Curves(title, label, drawn);
    }

    /// <summary>Each parameter group's rate per epoch; seeds of one configuration share their schedule, so the band is flat.</summary>
    private static string? LearningRates(RunReport report)
    {
        var curves = new List<(GroupCurve, int)>();
        foreach (var group in report.Groups)
        {
            var names = group.Runs.SelectMany(r => r.Summary.LearningRates.Keys).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                var label = report.Groups.Count == 1 ? name : $"{group.Name}: {name}";
                var runs = group.Runs.Select(r => r.Summary.LearningRates.TryGetValue(name, out var rates)
                    ? rates.Select((rate, i) => (r.Summary.Epochs - rates.Count + i, rate)).Where(p => p.rate > 0)
                    : []);
                if (GroupCurve.Of(label, runs) is { } curve)
                {
                    curves.Add((curve, curves.Count));
                }
            }
        }
        return curves.Count == 0 ? null : ReportFigures.Curves("Learning rate", "learning rate", curves, logScale: true);
    }

    private static IEnumerable<(int, double)> Series(RunRecord run, string split, string column) =>
        run.Tables.TryGetValue(split, out var table)
            ? table.Epochs.Select(e => (e, table.Value(e, column))).Where(p => p.Item2 is not null).Select(p => (p.e, p.Item2!.Value))
            : [];

    private static IEnumerable<(int, double)> Loss(RunRecord run) =>
        run.Tables.TryGetValue("Train", out var table) && table.Columns.Contains("loss")
            ? Series(run, "Train", "loss")
            : run.Summary.TrainLoss.Select((loss, epoch) => (epoch, loss));

    /// <summary>Per run, its retrieval figure and the projection of its last test embeddings (or why there is none).</summary>
    private static Dictionary<RunRecord, (string? Retrieval, string? Projection, string? Note)> RunFigures(RunReport report)
    {
        var figures = new (string?, string?, string?)[report.Runs.Count];
        Parallel.For(0, report.Runs.Count, i =>
        {
            var run = report.Runs[i];
            var retrieval = run.RetrievalPreviewPath is { } preview ? ReportFigures.Jpeg(preview) : run.RetrievalFigurePath is { } png ? ReportFigures.Retrieval(png) : null;
            if (run.TestEmbeddingsPath is not { } embeddings)
            {
                figures[i] = (retrieval, null, "no embeddings_test.safetensors in the run folder");
                return;
            }
            var projection = EmbeddingProjection.Read(embeddings);
            figures[i] = projection is null
                ? (retrieval, null, "too few or constant test embeddings to project")
                : (retrieval, ReportFigures.Projection(projection),
                    projection.Total > projection.X.Length ? $"{projection.X.Length} of {projection.Total} test embeddings" : $"{projection.Total} test embeddings");
        });
        return report.Runs.Select((run, i) => (run, figures[i])).ToDictionary(p => p.run, p => p.Item2);
    }
}
