using System.Text;
using Microsoft.Extensions.Logging;
using NirHost.Host.IO;
using NirHost.Host.Reporting.Reports;

namespace NirHost.Host.Training.Observers;

/// <summary>
/// Writes <c>report.html</c> into the run folder when the run ends, however it ends: the report of this one run, as
/// <c>nirhost report RUN_FOLDER</c> renders it. The report is a view of files already written, so a failure to write it
/// is a warning, never the run's failure.
/// </summary>
public sealed class RunReportObserver(ILogger<RunReportObserver> logger) : IRunObserver
{
    public const string FileName = "report.html";

    private RunFolder? _folder;

    public void RunStarted(RunStarted run) => _folder = run.Folder;

    public void RunEnded(RunEnded run)
    {
        if (_folder is null)
        {
            return;
        }
        var target = Path.Combine(_folder.Path, FileName);
        try
        {
            var report = RunReport.Load([_folder.Path]);
            var html = HtmlReport.Render(report, title: $"NirHost run {Path.GetFileName(_folder.Path)}");
            AtomicFile.Write(target, stream => stream.Write(Encoding.UTF8.GetBytes(html)));
        }
        catch (Exception e)
        {
            // Whatever broke (a file, the plotting library, a native library), the run's results are already on disk
            // and its own outcome is the one to report.
            logger.LogWarning("The run's report was not written to {Path}: {Reason}", target, e.Message);
        }
    }
}
