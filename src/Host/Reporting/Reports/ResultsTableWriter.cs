using System.Globalization;
using System.Text;

namespace NirHost.Host.Reporting.Reports;

/// <summary>The results table as text for a paper or a spreadsheet: Markdown, CSV or a LaTeX tabular.</summary>
public static class ResultsTableWriter
{
    public static string Markdown(ResultsTable table)
    {
        var text = new StringBuilder();
        text.Append("<!-- ").Append(table.Caption).Append(" -->\n\n");
        text.Append("| group | n | epoch | ").Append(string.Join(" | ", table.Metrics.Select(EscapeMarkdown))).Append(" |\n");
        text.Append("| --- | ---: | --- |").Append(string.Concat(table.Metrics.Select(_ => " ---: |"))).Append('\n');
        foreach (var row in table.Rows)
        {
            text.Append("| ").Append(EscapeMarkdown(Label(row))).Append(" | ").Append(row.Runs.ToString(CultureInfo.InvariantCulture))
                .Append(" | ").Append(EscapeMarkdown(row.Selection)).Append(" |");
            foreach (var cell in row.Cells)
            {
                text.Append(' ').Append(cell is null ? "-" : cell.Best ? $"**{CellText(cell, row)}**" : CellText(cell, row)).Append(" |");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One line per group: mean, standard deviation (empty for one run), n and the epochs per metric.</summary>
    public static string Csv(ResultsTable table)
    {
        var text = new StringBuilder();
        var header = new List<string> { "group", "runs", "unfinished", "epoch" };
        foreach (var metric in table.Metrics)
        {
            header.AddRange([$"{metric} mean", $"{metric} std", $"{metric} n", $"{metric} epochs", $"{metric} best"]);
        }
        text.Append(string.Join(',', header.Select(CsvField))).Append('\n');
        foreach (var row in table.Rows)
        {
            var fields = new List<string> { row.Group.Name, Invariant(row.Runs), Invariant(row.Unfinished), row.Selection };
            foreach (var cell in row.Cells)
            {
                fields.AddRange(cell is null
                    ? ["", "", "0", "", ""]
                    : [ReportNumbers.Format(cell.Mean), cell.StandardDeviation is { } std ? ReportNumbers.Format(std) : "", Invariant(cell.N),
                        string.Join(' ', cell.Epochs), cell.Best ? "1" : "0"]);
            }
            text.Append(string.Join(',', fields.Select(CsvField))).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A <c>tabular</c> with booktabs rules (<c>\usepackage{booktabs}</c>), the best mean of each column in bold.</summary>
    public static string Latex(ResultsTable table)
    {
        var text = new StringBuilder();
        text.Append("% ").Append(table.Caption).Append('\n');
        text.Append("\\begin{tabular}{lr").Append(new string('c', table.Metrics.Count)).Append("}\n\\toprule\n");
        text.Append("Group & $n$");
        foreach (var metric in table.Metrics)
        {
            text.Append(" & ").Append(EscapeLatex(metric));
        }
        text.Append(" \\\\\n\\midrule\n");
        foreach (var row in table.Rows)
        {
            text.Append(EscapeLatex(Label(row))).Append(" & ").Append(Invariant(row.Runs));
            foreach (var cell in row.Cells)
            {
                text.Append(" & ");
                if (cell is null)
                {
                    text.Append('-');
                    continue;
                }
                var mean = ReportNumbers.Format(cell.Mean);
                text.Append(cell.Best ? $"\\textbf{{{mean}}}" : mean);
                if (cell.StandardDeviation is { } std)
                {
                    text.Append(" $\\pm$ ").Append(ReportNumbers.Format(std));
                }
            }
            text.Append(" \\\\\n");
        }
        text.Append("\\bottomrule\n\\end{tabular}\n");
        return text.ToString();
    }

    /// <summary>The group's name, marked when some of its runs did not complete.</summary>
    public static string Label(ResultRow row) => row.Unfinished > 0 ? $"{row.Group.Name} ({row.Unfinished} unfinished)" : row.Group.Name;

    /// <summary>The cell's text, with its own n where fewer of the group's runs have the metric.</summary>
    public static string CellText(ResultCell cell, ResultRow row) => cell.N < row.Runs ? $"{cell.Text} (n={cell.N})" : cell.Text;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string EscapeMarkdown(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);

    private static string EscapeLatex(string value)
    {
        var text = new StringBuilder();
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '&' or '%' or '$' or '#' or '_' or '{' or '}' => "\\" + c,
                _ => c.ToString(),
            });
        }
        return text.ToString();
    }
}
