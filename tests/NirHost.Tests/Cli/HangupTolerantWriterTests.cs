using System.Text;
using NirHost.Host.Reporting;

namespace NirHost.Tests.Cli;

/// <summary>
/// Console output after a hang-up: a terminal that is gone fails every write (EIO), which must not end a run that is
/// being saved; before a hang-up a failing output is still an error.
/// </summary>
public sealed class HangupTolerantWriterTests
{
    /// <summary>A terminal that has gone away: every write fails as the kernel fails it.</summary>
    private sealed class GoneTerminal : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw new IOException("Input/output error");

        public override void Write(string? value) => throw new IOException("Input/output error");

        public override void WriteLine(string? value) => throw new IOException("Input/output error");

        public override void Flush() => throw new IOException("Input/output error");
    }

    [Fact]
    public void Output_to_a_gone_terminal_is_dropped_after_the_hang_up_and_an_error_before()
    {
        var hungUp = false;
        var writer = new HangupTolerantWriter(new GoneTerminal(), () => hungUp);

        Assert.Throws<IOException>(() => writer.WriteLine("Epoch 3: ..."));
        Assert.Throws<IOException>(() => writer.Write('x'));
        Assert.Throws<IOException>(() => writer.Flush());

        hungUp = true;
        writer.WriteLine("interrupted: ...");
        writer.Write("progress");
        writer.Write('x');
        writer.Write("abc".AsSpan());
        writer.Write(new[] { 'a', 'b' }, 0, 2);
        writer.Flush();
    }

    [Fact]
    public void Output_that_can_be_written_passes_through_unchanged()
    {
        var inner = new StringWriter();
        var writer = new HangupTolerantWriter(inner, () => true);
        writer.Write("a");
        writer.Write('b');
        writer.Write("cd".AsSpan());
        writer.WriteLine("e");
        Assert.Equal("abcde" + inner.NewLine, inner.ToString());
    }
}
