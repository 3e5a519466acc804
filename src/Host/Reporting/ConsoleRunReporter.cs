using System.Globalization;
using NirHost.Host.Training;
using Spectre.Console;

namespace NirHost.Host.Reporting;

/// <summary>
/// Shows a training run on the console: a live bar with the running loss on a terminal, and on any output one line
/// when the run starts, one per epoch (marked <c>(warmup)</c> during warm-up) and the results at the end. Redirected
/// output gets the same lines without bars, so logs read as well as the terminal.
/// </summary>
public sealed class ConsoleRunReporter(IAnsiConsole console) : IRunObserver, IDisposable
{
    private LiveProgress? _live;
    private string _title = "";

    private bool Interactive => console.Profile.Capabilities.Interactive && !System.Console.IsOutputRedirected;

    public void RunStarted(RunStarted run)
    {
        var path = Markup.Escape(run.Folder.Path);
        if (run.ResumedAt is var (epoch, step))
        {
            var at = step == 0 ? $"epoch {epoch}" : $"epoch {epoch}, step {step}";
            console.MarkupLine($"[bold]Resuming[/] {path} at {at} of {run.Epochs} epochs");
        }
        else
        {
            console.MarkupLine($"[bold]Run folder:[/] {path}");
        }
        var d = run.Description;
        console.MarkupLine(Markup.Escape($"Dataset: {d.Dataset} ({d.TrainSamples} train / {d.TestSamples} test samples) | Objective: {d.Loss} | " +
            $"Batchminer: {d.BatchMiner ?? "N/A"} | Backbone: {d.Architecture} (#weights: {d.TrainableWeights}) | Device: {d.Device}"));
    }

    public void EpochStarted(EpochStarted epoch)
    {
        _title = EpochTitle(epoch.Epoch, epoch.Warmup);
        if (Interactive)
        {
            _live = new LiveProgress(console, _title, epoch.Steps);
            _live.Update(epoch.FirstStep, _title);
        }
    }

    public void StepCompleted(StepCompleted step) =>
        _live?.Update(step.Step, $"{_title} | loss {step.MeanLoss.ToString("0.0000", CultureInfo.InvariantCulture)}");

    public void StepsEnded(EpochStepsEnded steps) => EndLive();

    public void PhaseProgress(PhaseProgress progress)
    {
        if (!Interactive)
        {
            return;
        }
        _live ??= new LiveProgress(console, progress.Title, progress.Total);
        _live.Update(progress.Done, $"{progress.Title} ({progress.Done}/{progress.Total})");
        if (progress.Done >= progress.Total)
        {
            EndLive();
        }
    }

    public void Notice(string message) => console.MarkupLine(Markup.Escape(message));

    public void EpochCompleted(EpochCompleted epoch)
    {
        string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        console.MarkupLine(Markup.Escape($"{EpochTitle(epoch.Epoch, epoch.Warmup)}: lr {string.Join(" | ", epoch.LearningRates.Select(r => F(r.Rate, "G4")))}" +
            $" | loss {F(epoch.MeanLoss, "0.0000")}" +
            string.Concat(epoch.Results.SelectMany(split => split.Value.Select(m => $" | {split.Key} {m.Key} {F(m.Value, "0.0000")}"))) +
            $" | {F(epoch.Seconds, "0.0")}s"));
    }

    public void RunEnded(RunEnded run)
    {
        EndLive();
        if (run.Error is not null)
        {
            return;
        }
        var summary = run.Summary;
        var table = new Table().Title(Markup.Escape($"Results after {summary.Epochs} epochs ({summary.WallTimeSeconds:0.0} s), best (last)")).AddColumn("split");
        var metrics = summary.Metrics.Values.SelectMany(r => r.Keys).Distinct().ToList();
        foreach (var metric in metrics)
        {
            table.AddColumn(new TableColumn(Markup.Escape(metric)).RightAligned());
        }
        foreach (var (split, values) in summary.Metrics)
        {
            table.AddRow([Markup.Escape(split), .. metrics.Select(m => values.TryGetValue(m, out var v) ? v.Best.ToString("0.0000", CultureInfo.InvariantCulture) : "")]);
        }
        console.Write(table);
        foreach (var (split, values) in summary.Metrics)
        {
            console.WriteLine($"{split}: " + string.Join(", ", values.Select(m =>
                $"{m.Key} best {m.Value.Best.ToString("0.0000", CultureInfo.InvariantCulture)} (epoch {m.Value.BestEpoch}), last {m.Value.Last.ToString("0.0000", CultureInfo.InvariantCulture)}")));
        }
        console.WriteLine($"Summary: {Path.Combine(summary.RunFolder, "summary.json")}");
    }

    private static string EpochTitle(int epoch, bool warmup) => $"Epoch {epoch}{(warmup ? " (warmup)" : "")}";

    private void EndLive()
    {
        _live?.Dispose();
        _live = null;
    }

    public void Dispose() => EndLive();
}
