using NirHost.Host.Commands;
using NirHost.Tests.Support;
using SkiaSharp;

namespace NirHost.Tests.Reporting;

/// <summary>The HTML report in a real browser: headless Chromium renders it from disk, offline, with nothing on its console.</summary>
public sealed class BrowserReportTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [LinuxFact]
    public void Chromium_loads_the_report_with_no_console_message_and_draws_it()
    {
        var sweep = HtmlReportTests.WriteRuns(_folder.Path);
        var page = Path.Combine(_folder.Path, "report.html");
        ReportCommand.Run([sweep, "--out", page], TextWriter.Null);

        var (exitCode, dom, log) = HeadlessChromium.Load(page, _folder.Path, "--dump-dom");

        Assert.True(exitCode == 0, $"chromium exited with {exitCode}:\n{log}");
        Assert.Empty(HeadlessChromium.ConsoleMessages(log));
        Assert.Contains("<h2>Results</h2>", dom, StringComparison.Ordinal);
        Assert.Contains("--loss nir", dom, StringComparison.Ordinal);

        var screenshot = Path.Combine(_folder.Path, "report.png");
        var (shotExit, _, shotLog) = HeadlessChromium.Load(page, _folder.Path, $"--screenshot={screenshot}", "--window-size=1280,2000");
        Assert.True(shotExit == 0, $"chromium exited with {shotExit}:\n{shotLog}");
        Assert.Empty(HeadlessChromium.ConsoleMessages(shotLog));
        using var image = SKBitmap.Decode(screenshot);
        Assert.Equal((1280, 2000), (image.Width, image.Height));
        // Not a blank page: the results table and figures put many colours on it.
        Assert.True(image.Pixels.Distinct().Take(200).Count() == 200, "the screenshot is nearly blank");
    }

    [LinuxFact]
    public void A_page_that_writes_to_its_console_is_caught()
    {
        // The check above can fail: a page that logs an error shows in what the browser says.
        var page = Path.Combine(_folder.Path, "noisy.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><p>x</p><script>console.error('report broke');</script></body></html>");

        var (_, _, log) = HeadlessChromium.Load(page, _folder.Path, "--dump-dom");

        Assert.Contains(HeadlessChromium.ConsoleMessages(log), line => line.Contains("report broke", StringComparison.Ordinal));
    }
}
