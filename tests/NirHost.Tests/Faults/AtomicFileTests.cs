using Microsoft.Extensions.Logging;
using NirHost.Host.Evaluation;
using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>
/// The rename that ends every atomic write, under the sharing violations a Windows reader holding the target causes,
/// injected here since Linux renames never meet them.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int LockViolation = unchecked((int)0x80070021);
    private const int AccessDenied = unchecked((int)0x80070005);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private (string Source, string Target) Files()
    {
        var source = Path.Combine(_folder.Path, "summary.json.tmp");
        var target = Path.Combine(_folder.Path, "summary.json");
        File.WriteAllText(source, "new");
        File.WriteAllText(target, "old");
        return (source, target);
    }

    /// <summary>A rename that fails with <paramref name="failure"/> the first <paramref name="times"/> times, then renames.</summary>
    private static Action<string, string> HeldFor(int times, Func<Exception> failure, List<int> attempts) => (source, target) =>
    {
        attempts.Add(attempts.Count);
        if (attempts.Count <= times)
        {
            throw failure();
        }
        File.Move(source, target, overwrite: true);
    };

    [Theory]
    [InlineData(SharingViolation, false)]
    [InlineData(LockViolation, false)]
    [InlineData(AccessDenied, true)]
    public void A_target_held_for_a_moment_is_replaced_after_short_pauses(int hresult, bool windows)
    {
        var (source, target) = Files();
        var attempts = new List<int>();
        var pauses = new List<TimeSpan>();

        AtomicFile.Replace(source, target, HeldFor(3, () => new IOException("in use", hresult), attempts), pauses.Add, windows);

        Assert.Equal("new", File.ReadAllText(target));
        Assert.False(File.Exists(source));
        Assert.Equal(4, attempts.Count);
        Assert.Equal(AtomicFile.RetryDelays.Take(3), pauses);
    }

    [Fact]
    public void Access_denied_is_retried_on_windows_only_where_it_means_a_reader_holds_the_file()
    {
        var (source, target) = Files();
        var attempts = new List<int>();
        AtomicFile.Replace(source, target, HeldFor(2, () => new UnauthorizedAccessException("denied"), attempts), _ => { }, windows: true);
        Assert.Equal(3, attempts.Count);

        // Elsewhere access denied is a permission problem: reported at once, the target untouched.
        (source, target) = Files();
        attempts.Clear();
        var pauses = new List<TimeSpan>();
        Assert.Throws<UnauthorizedAccessException>(() =>
            AtomicFile.Replace(source, target, HeldFor(1, () => new UnauthorizedAccessException("denied"), attempts), pauses.Add, windows: false));
        Assert.Throws<IOException>(() =>
            AtomicFile.Replace(source, target, HeldFor(99, () => new IOException("denied", AccessDenied), []), pauses.Add, windows: false));
        Assert.Empty(pauses);
        Assert.Equal("old", File.ReadAllText(target));
    }

    [Fact]
    public void A_target_held_past_the_retries_is_an_error_after_a_bounded_wait()
    {
        var (source, target) = Files();
        var attempts = new List<int>();
        var pauses = new List<TimeSpan>();

        var error = Assert.Throws<IOException>(() =>
            AtomicFile.Replace(source, target, HeldFor(int.MaxValue, () => new IOException("in use", SharingViolation), attempts), pauses.Add, windows: true));

        Assert.Equal(SharingViolation, error.HResult);
        Assert.Equal(AtomicFile.RetryDelays.Length + 1, attempts.Count);
        Assert.Equal(AtomicFile.RetryDelays, pauses);
        Assert.InRange(pauses.Sum(p => p.TotalSeconds), 1, 5);
        Assert.Equal("old", File.ReadAllText(target));
    }

    [Fact]
    public void Other_failures_are_not_retried()
    {
        var (source, target) = Files();
        var pauses = new List<TimeSpan>();
        Assert.Throws<IOException>(() => AtomicFile.Replace(source, target, HeldFor(1, () => new IOException("disk full", unchecked((int)0x80070070)), []), pauses.Add, windows: true));
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.Replace(source, Path.Combine(_folder.Path, "gone", "x"), (s, t) => File.Move(s, t, true), pauses.Add, windows: true));
        Assert.Empty(pauses);
    }

    [Fact]
    public void A_retrieval_figure_that_cannot_be_written_is_a_warning_and_training_goes_on()
    {
        using var plugins = new FaultyPlugin();
        var run = Path.Combine(_folder.Path, "synthetic", "run");
        var log = new ListLogger();
        var blocked = false;
        var configuration = NirHost.Host.Cli.RunCommandLine.Parse(NirHost.Host.Cli.RunCommandLine.BuildFlags(plugins.Catalog),
            FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "2"));
        var observer = new RunCallbacks
        {
            // A folder where the figure's temporary file goes: every write of the figure fails, as a held file would.
            Step = (_, _) =>
            {
                if (!blocked)
                {
                    Directory.CreateDirectory(Path.Combine(run, RetrievalFigure.FileName + ".tmp"));
                    blocked = true;
                }
            },
        };

        var summary = HostHarness.Train(plugins.Catalog, configuration, observer, logging: builder => builder.AddProvider(log));

        Assert.Equal((RunStatus.Completed, 2), (summary.Status, summary.Epochs));
        Assert.False(File.Exists(Path.Combine(run, RetrievalFigure.FileName)));
        Assert.Equal(2, log.Messages.Count(m => m.Contains("The retrieval figure of epoch", StringComparison.Ordinal)
            && m.Contains($"Could not write {Path.Combine(run, RetrievalFigure.FileName)}", StringComparison.Ordinal)));
    }
}
