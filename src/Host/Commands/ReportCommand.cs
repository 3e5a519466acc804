using System.Text;
using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Reporting.Reports;

namespace NirHost.Host.Commands;

/// <summary>
/// <c>nirhost report DIR... [--out FILE] [--format html|md|csv|latex] [--template FILE] [--title TEXT]</c>: compares the
/// runs under the given folders (run folders, sweep folders, any folder holding run folders). HTML is the whole report,
/// written to <c>report.html</c> unless <c>--out</c> says otherwise; <c>md</c>, <c>csv</c> and <c>latex</c> are the
/// results table, printed unless <c>--out</c> names a file.
/// </summary>
public static class ReportCommand
{
    public const string Usage = "nirhost report DIR... [--out FILE] [--format html|md|csv|latex] [--template FILE] [--title TEXT]";

    private static readonly string[] Formats = ["html", "md", "csv", "latex"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var (folders, outPath, format, templatePath, title) = ParseArguments(args);
        var report = RunReport.Load(folders);
        var text = format switch
        {
            "html" => HtmlReport.Render(report, templatePath, title ?? DefaultTitle(report)),
            "md" => ResultsTableWriter.Markdown(report.Results),
            "csv" => ResultsTableWriter.Csv(report.Results),
            _ => ResultsTableWriter.Latex(report.Results),
        };
        outPath ??= format == "html" ? "report.html" : null;
        if (outPath is null)
        {
            output.Write(text);
            return 0;
        }
        AtomicFile.Write(Path.GetFullPath(outPath), stream => stream.Write(Encoding.UTF8.GetBytes(text)));
        output.WriteLine($"{report.Runs.Count} run(s) in {report.Groups.Count} group(s): {Path.GetFullPath(outPath)}");
        return 0;
    }

    private static string DefaultTitle(RunReport report) =>
        report.Runs.Count == 1 ? $"NirHost run {report.Runs[0].Name}" : $"NirHost report: {report.Runs.Count} runs";

    private static (IReadOnlyList<string> Folders, string? Out, string Format, string? Template, string? Title) ParseArguments(IReadOnlyList<string> args)
    {
        var folders = new List<string>();
        string? outPath = null, template = null, title = null, format = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--out":
                    outPath = Value(args, ref i);
                    break;
                case "--format":
                    format = Value(args, ref i);
                    if (!Formats.Contains(format))
                    {
                        throw new CommandLineException($"--format {format}: expected one of {string.Join(", ", Formats)}.");
                    }
                    break;
                case "--template":
                    template = Value(args, ref i);
                    if (!File.Exists(template))
                    {
                        throw new CommandLineException($"--template {template}: no such file.");
                    }
                    break;
                case "--title":
                    title = Value(args, ref i);
                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    throw new CommandLineException($"report: unknown flag '{flag}'. Usage: {Usage}");
                default:
                    folders.Add(args[i]);
                    break;
            }
        }
        if (folders.Count == 0)
        {
            throw new CommandLineException($"report needs at least one folder. Usage: {Usage}");
        }
        format ??= outPath is null ? "html" : Path.GetExtension(outPath).ToLowerInvariant() switch
        {
            ".md" => "md",
            ".csv" => "csv",
            ".tex" => "latex",
            _ => "html",
        };
        if (template is not null && format != "html")
        {
            throw new CommandLineException($"--template applies to the HTML report, not to --format {format}.");
        }
        return (folders, outPath, format, template, title);
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new CommandLineException($"{args[i]} expects a value. Usage: {Usage}");
        }
        return args[++i];
    }
}
