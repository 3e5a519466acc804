using System.Text;

namespace NirHost.Host.Reporting;

/// <summary>
/// Standard output or error that, once the terminal has hung up (SIGHUP: a dropped SSH session, a closed terminal),
/// drops what is written instead of failing. Writes to a terminal that is gone fail with EIO; without this, the
/// progress bar or the final "interrupted" line would throw and end the process (with SIGABRT, measured) while the run
/// is being saved. Before a hang-up every failure is passed on as before, so a full disk under a redirected output is
/// still an error.
/// </summary>
public sealed class HangupTolerantWriter(TextWriter inner, Func<bool> hungUp) : TextWriter
{
    private static volatile bool s_hungUp;

    /// <summary>Drops failed writes once <see cref="TerminalHungUp"/> was called; tests give their own condition.</summary>
    public HangupTolerantWriter(TextWriter inner)
        : this(inner, static () => s_hungUp)
    {
    }

    /// <summary>Called by the SIGHUP handler: from now on output that cannot be written is dropped.</summary>
    public static void TerminalHungUp() => s_hungUp = true;

    /// <summary>Standard output and error wrapped, before anything (Spectre's console included) takes hold of them.</summary>
    public static void Install()
    {
        // Console.Out stays the object Spectre compares against to tell a terminal, so bars and width are kept.
        System.Console.SetOut(new HangupTolerantWriter(System.Console.Out));
        System.Console.SetError(new HangupTolerantWriter(System.Console.Error));
    }

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value)
    {
        try
        {
            inner.Write(value);
        }
        catch (IOException) when (hungUp())
        {
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        try
        {
            inner.Write(buffer, index, count);
        }
        catch (IOException) when (hungUp())
        {
        }
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (IOException) when (hungUp())
        {
        }
    }

    public override void Write(string? value)
    {
        try
        {
            inner.Write(value);
        }
        catch (IOException) when (hungUp())
        {
        }
    }

    public override void WriteLine(string? value)
    {
        try
        {
            inner.WriteLine(value);
        }
        catch (IOException) when (hungUp())
        {
        }
    }

    public override void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (IOException) when (hungUp())
        {
        }
    }
}
