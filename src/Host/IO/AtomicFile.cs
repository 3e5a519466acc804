namespace NirHost.Host.IO;

/// <summary>
/// The last step of every write through a temporary file: renaming it over the target. On Windows a rename over a file
/// that another process has open (a spreadsheet on a CSV log, an image viewer on the figure, a sync client, an
/// antivirus scan) fails while that process holds it, usually for a moment; the rename is retried briefly there
/// rather than stopping a run. On Linux and macOS a rename never waits for readers, so the retry never triggers.
/// </summary>
public static class AtomicFile
{
    /// <summary>Pauses before each retry: about 2.5 s in all, long enough for a scan or a sync to let go.</summary>
    internal static readonly TimeSpan[] RetryDelays =
        [.. new[] { 10, 20, 40, 80, 160, 320, 500, 500, 500 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    // Win32 error codes as .NET reports them in IOException.HResult (0x8007xxxx).
    private const int ErrorAccessDenied = unchecked((int)0x80070005);
    private const int ErrorSharingViolation = unchecked((int)0x80070020);
    private const int ErrorLockViolation = unchecked((int)0x80070021);

    /// <summary>
    /// Writes <paramref name="target"/> through <c>target.tmp</c>: <paramref name="write"/> fills it, it is flushed to disk
    /// and renamed over the target, so a kill or a full disk leaves the previous version whole. A failure removes the
    /// temporary file and says which file and why.
    /// </summary>
    public static void Write(string target, Action<Stream> write)
    {
        var temporary = target + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            Replace(temporary, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The write's own failure is the one to report.
            }
            throw new IOException($"Could not write {target}: {e.Message}", e);
        }
    }

    /// <summary>Renames <paramref name="source"/> over <paramref name="target"/>, retrying briefly while another process holds the target.</summary>
    public static void Replace(string source, string target) =>
        Replace(source, target, (from, to) => File.Move(from, to, overwrite: true), Thread.Sleep, OperatingSystem.IsWindows());

    /// <summary>
    /// <see cref="Replace(string, string)"/> with the rename, the pause and the platform given, so that tests can inject
    /// sharing violations. The last failure is rethrown once the retries are spent; any other failure at once.
    /// </summary>
    internal static void Replace(string source, string target, Action<string, string> move, Action<TimeSpan> pause, bool windows)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                move(source, target);
                return;
            }
            catch (Exception e) when (attempt < RetryDelays.Length && IsHeldByAnotherProcess(e, windows))
            {
                pause(RetryDelays[attempt]);
            }
        }
    }

    /// <summary>
    /// True for the failures a reader holding the file causes on Windows: a sharing or lock violation, or access
    /// denied (which .NET raises as UnauthorizedAccessException when a rename meets an open target). On other systems
    /// access denied means missing permissions, which no retry mends.
    /// </summary>
    internal static bool IsHeldByAnotherProcess(Exception e, bool windows) => e switch
    {
        UnauthorizedAccessException => windows,
        IOException io => io.HResult is ErrorSharingViolation or ErrorLockViolation || (windows && io.HResult == ErrorAccessDenied),
        _ => false,
    };
}
