using Spectre.Console;

namespace NirHost.Host.Reporting;

/// <summary>
/// A live progress bar that does not own the work it shows: Spectre renders a progress display only for the duration
/// of a callback, so the display runs on a thread of its own until <see cref="Dispose"/>, while the caller goes on
/// and reports with <see cref="Update"/>.
/// </summary>
internal sealed class LiveProgress : IDisposable
{
    private readonly ManualResetEventSlim _finished = new();
    private readonly Task _display;
    private ProgressTask? _task;

    public LiveProgress(IAnsiConsole console, string description, int total)
    {
        using var ready = new ManualResetEventSlim();
        _display = Task.Factory.StartNew(() => console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                ready.Set();
                _finished.Wait();
                context.Refresh();
            }), TaskCreationOptions.LongRunning);
        // The display thread may fail before it adds its task (a console that cannot render): then show nothing.
        WaitHandle.WaitAny([ready.WaitHandle, ((IAsyncResult)_display).AsyncWaitHandle]);
    }

    public void Update(int done, string description)
    {
        if (_task is { } task)
        {
            task.Value = done;
            task.Description = Markup.Escape(description);
        }
    }

    public void Dispose()
    {
        _finished.Set();
        try
        {
            _display.Wait();
        }
        catch (AggregateException)
        {
            // A display that failed to render lost nothing but the bar.
        }
        _finished.Dispose();
    }
}
