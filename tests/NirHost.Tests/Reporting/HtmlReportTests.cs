using System.Text.RegularExpressions;
using NirHost.Evaluation;
using NirHost.Host.Commands;
using NirHost.Host.Evaluation;
using NirHost.Host.Reporting.Reports;
using NirHost.Tests.Support;
using SkiaSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Reporting;

/// <summary>The HTML report: one file holding everything it shows, rendered from the shipped template or the user's.</summary>
public sealed partial class HtmlReportTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Two groups of two seeds, each run with test embeddings and a retrieval figure, as a training run leaves them.</summary>
    internal static string WriteRuns(string root)
    {
        var runs = Path.Combine(root, "sweep", "runs");
        foreach (var (loss, offset) in new[] { ("oproxy", 0.0), ("nir", 0.03) })
        {
            for (var seed = 0; seed < 2; seed++)
            {
                var folder = SyntheticRunFolders.Write(runs, $"{loss}_s{seed}", new Dictionary<string, string> { ["loss"] = loss, ["seed"] = $"{seed}", ["dataset"] = "synthetic" },
                    new Dictionary<string, double[]>
                    {
                        ["e_recall@1"] = [.. Enumerable.Range(0, 6).Select(e => 0.4 + 0.05 * e + offset + 0.01 * seed)],
                        ["nmi"] = [.. Enumerable.Range(0, 6).Select(e => 0.3 + 0.03 * e + offset - 0.01 * seed)],
                    });
                WriteEmbeddings(folder, seed);
                WriteRetrievalFigure(folder);
            }
        }
        return Path.Combine(root, "sweep");
    }

    private static void WriteEmbeddings(string folder, int seed)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        var labels = Enumerable.Range(0, 120).Select(i => i % 6).ToArray();
        var embeddings = randn(120, 16) * 0.2 + nn.functional.one_hot(tensor(labels.Select(l => (long)l).ToArray()), 16).to(float32);
        using var data = new EvaluationData(embeddings, labels, 6);
        TestEmbeddingsFile.Write(Path.Combine(folder, TestEmbeddingsFile.FileName), data, 5);
    }

    private static void WriteRetrievalFigure(string folder)
    {
        using var bitmap = new SKBitmap(116, 290);
        bitmap.Erase(SKColors.ForestGreen);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(Path.Combine(folder, RetrievalFigure.FileName), png.ToArray());
    }

    [GeneratedRegex("""\b(src|href)\s*=\s*["']?([^"'\s>]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex References();

    [Fact]
    public void The_html_report_is_one_file_whose_every_src_and_href_is_inline_or_an_anchor()
    {
        var sweep = WriteRuns(_folder.Path);
        var outPath = Path.Combine(_folder.Path, "report.html");
        var threads = get_num_threads();

        Assert.Equal(0, ReportCommand.Run([sweep, "--out", outPath], TextWriter.Null));

        // The command runs inside other processes (these tests): it must leave libtorch's threads, which training results depend on, alone.
        Assert.Equal(threads, get_num_threads());

        var html = File.ReadAllText(outPath);
        var references = References().Matches(html).Select(m => m.Groups[2].Value).ToList();
        Assert.All(references, r => Assert.True(r.StartsWith("data:", StringComparison.Ordinal) || r.StartsWith('#'), $"external reference {r[..Math.Min(80, r.Length)]}"));
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        // Curves (two test metrics, loss, learning rate) as SVG; per run its retrieval figure and its projection.
        Assert.Equal(4, references.Count(r => r.StartsWith("data:image/svg+xml;base64,", StringComparison.Ordinal)));
        Assert.Equal(4, references.Count(r => r.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal)));
        Assert.Equal(4, references.Count(r => r.StartsWith("data:image/png;base64,", StringComparison.Ordinal)));
        Assert.Equal(4, Regex.Matches(html, "href=\"#run-").Count);
        // The inlined figures decode as what they claim to be.
        foreach (var uri in references.Where(r => r.StartsWith("data:image/png", StringComparison.Ordinal) || r.StartsWith("data:image/jpeg", StringComparison.Ordinal)))
        {
            using var bitmap = SKBitmap.Decode(Convert.FromBase64String(uri[(uri.IndexOf(',') + 1)..]));
            Assert.NotNull(bitmap);
        }
        Assert.Contains("Flags that differ between groups", html, StringComparison.Ordinal);
        Assert.Contains("<code>nir</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_of_many_megabytes_is_written_whole()
    {
        // Twelve runs with noisy 300 KB retrieval previews: several MiB of HTML, past the 1 MiB at which Scriban cuts by default.
        var runs = Path.Combine(_folder.Path, "many");
        var random = new Random(3);
        using var bitmap = new SKBitmap(400, 400);
        for (var i = 0; i < 400 * 400; i++)
        {
            bitmap.SetPixel(i % 400, i / 400, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 100);
        for (var run = 0; run < 12; run++)
        {
            var folder = SyntheticRunFolders.Write(runs, $"r{run}", new Dictionary<string, string> { ["seed"] = $"{run}" }, new Dictionary<string, double[]> { ["e_recall@1"] = [0.5] });
            File.WriteAllBytes(Path.Combine(folder, RetrievalFigure.PreviewFileName), jpeg.ToArray());
        }

        var html = HtmlReport.Render(RunReport.Load([runs]));

        Assert.True(html.Length > 12 * jpeg.Size, $"{html.Length} characters for 12 figures of {jpeg.Size} bytes");
        Assert.Equal(12, Regex.Count(html, "<section class=\"run\""));
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_given_with_template_replaces_the_shipped_one_and_sees_the_documented_variables()
    {
        var sweep = WriteRuns(_folder.Path);
        var template = Path.Combine(_folder.Path, "mine.sbn");
        File.WriteAllText(template, """
            {{ run_count }} runs, {{ group_count }} groups: {{ for row in results.rows }}{{ row.group }}={{ row.cells[0].mean }}{{ if row.cells[0].best }}*{{ end }} (n={{ row.runs }}, {{ row.selection }}); {{ end }}
            flags {{ differing_flags.flags | array.join "," }}; figures {{ figures.size }}; {{ for run in runs }}{{ run.name }}:{{ run.status }}:{{ run.epochs }}:{{ run.projection | string.starts_with "data:image/png" }} {{ end }}
            """);
        var outPath = Path.Combine(_folder.Path, "mine.html");

        ReportCommand.Run([sweep, "--template", template, "--out", outPath], TextWriter.Null);

        var report = RunReport.Load([sweep]);
        var nir = report.Results.Rows.Single(r => r.Group.Name == "--loss nir").Cells[0]!;
        var oproxy = report.Results.Rows.Single(r => r.Group.Name == "--loss oproxy").Cells[0]!;
        Assert.Equal(
            $"4 runs, 2 groups: --loss nir={ReportNumbers.Format(nir.Mean)}* (n=2, last epoch (5)); --loss oproxy={ReportNumbers.Format(oproxy.Mean)} (n=2, last epoch (5)); \n" +
            "flags --loss; figures 4; nir_s0:completed:6:true nir_s1:completed:6:true oproxy_s0:completed:6:true oproxy_s1:completed:6:true ",
            File.ReadAllText(outPath));
    }

    [Fact]
    public void A_template_that_does_not_parse_is_an_error_naming_the_file()
    {
        var sweep = WriteRuns(_folder.Path);
        var template = Path.Combine(_folder.Path, "broken.sbn");
        File.WriteAllText(template, "{{ for run in runs }} never closed");

        var error = Assert.Throws<InvalidDataException>(() => ReportCommand.Run([sweep, "--template", template, "--out", Path.Combine(_folder.Path, "x.html")], TextWriter.Null));

        Assert.Contains(template, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "x.html")));
    }
}
