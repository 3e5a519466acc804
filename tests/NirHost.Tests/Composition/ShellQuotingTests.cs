using NirHost.Host.Composition;
using NirHost.Tests.Support;

namespace NirHost.Tests.Composition;

/// <summary>The printed equivalent command, quoted for bash on Linux and macOS and for PowerShell on Windows.</summary>
public sealed class ShellQuotingTests
{
    [Theory]
    [InlineData("oproxy", "oproxy")]
    [InlineData("/data/sets", "/data/sets")]
    [InlineData("e_recall@1", "e_recall@1")]
    [InlineData("40,70", "40,70")]
    [InlineData("my run", "'my run'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData(@"C:\data", @"'C:\data'")]
    public void Posix_shells_get_single_quotes_with_quotes_closed_escaped_and_reopened(string value, string quoted) =>
        Assert.Equal(quoted, ShellQuoting.Quote(value, Shell.Posix));

    [Theory]
    [InlineData("oproxy", "oproxy")]
    [InlineData(@"C:\Users\me\Datasets", @"C:\Users\me\Datasets")]
    [InlineData("/data/sets", "/data/sets")]
    [InlineData("e_recall@1", "'e_recall@1'")]
    [InlineData("40,70", "'40,70'")]
    [InlineData("my run", "'my run'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it''s'")]
    [InlineData("it\u2019s", "'it\u2019\u2019s'")]
    [InlineData("$env:HOME", "'$env:HOME'")]
    [InlineData("a`b", "'a`b'")]
    [InlineData("a;b", "'a;b'")]
    public void PowerShell_gets_single_quotes_with_every_kind_of_single_quote_doubled(string value, string quoted) =>
        Assert.Equal(quoted, ShellQuoting.Quote(value, Shell.PowerShell));

    [Fact]
    public void This_platform_prints_for_its_shell() =>
        Assert.Equal(OperatingSystem.IsWindows() ? Shell.PowerShell : Shell.Posix, ShellQuoting.Current);

    [Fact]
    public void The_equivalent_command_is_quoted_per_shell()
    {
        var configuration = HostHarness.Parse("--loss", "oproxy", "--group", "it's mine", "--evaluation_metrics", "e_recall@1", "e_recall@2");

        Assert.Equal("nirhost train --loss oproxy --group 'it'\\''s mine' --evaluation_metrics e_recall@1 e_recall@2",
            configuration.Command(Shell.Posix));
        Assert.Equal("nirhost train --loss oproxy --group 'it''s mine' --evaluation_metrics 'e_recall@1' 'e_recall@2'",
            configuration.Command(Shell.PowerShell));
        Assert.Equal(configuration.Command(ShellQuoting.Current), configuration.Command());
    }
}
