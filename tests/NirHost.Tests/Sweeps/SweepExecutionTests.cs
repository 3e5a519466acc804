using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Sweeps;

/// <summary>
/// A tiny local sweep (two configurations x two seeds on the embedded dataset, two at a time) run by the real
/// <c>nirhost</c>: stopped with Ctrl+C's signal once a run has saved an epoch, then run again to completion with the
/// same command, which resumes the interrupted runs; a third time skips them all.
/// </summary>
public sealed class SweepExecutionTests : IDisposable
{
    private const int SigInt = 2;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    private string Dir => Path.Combine(_folder.Path, "sweep");

    private string[] Command(params string[] extra) =>
        DotnetCli.NirhostArguments(["sweep", Path.Combine(_folder.Path, "tiny.sh"), "--dir", Dir, "--seeds", "0,1", "--parallel", "2", "--device", "cpu", .. extra]);

    [UnixFact]
    public void A_stopped_sweep_resumes_with_the_same_command_and_then_skips_what_is_done()
    {
        const string run = "--dataset synthetic --synthetic_classes 10 --synthetic_samples_per_class 10 --arch convnet_normalize --convnet_width 8 " +
            "--embed_dim 16 --bs 20 --samples_per_class 2 --n_epochs 6 --evaluation_metrics e_recall@1";
        File.WriteAllText(Path.Combine(_folder.Path, "tiny.sh"),
            $"# two configurations\nnirhost {run} \\\n  --loss oproxy --group oproxy --gpu $gpu\nnirhost {run} --loss nir --group nir\n");

        using (var sweep = DotnetCli.Start(_folder.Path, null, Command()))
        {
            var output = sweep.StandardOutput.ReadToEndAsync();
            var error = sweep.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (Checkpoints().Count == 0 && DateTime.UtcNow < deadline && !sweep.HasExited)
            {
                Thread.Sleep(200);
            }
            // The messages read the output, which waits for the sweep's end: build them only on failure.
            if (Checkpoints().Count == 0 || !!sweep.HasExited)
            {
                Assert.Fail($"the sweep ended, or no run saved an epoch in time:\n{output.Result}\n{error.Result}");
            }
            Assert.Equal(0, Kill(sweep.Id, SigInt));
            Assert.True(sweep.WaitForExit(TimeSpan.FromMinutes(2)), "the sweep did not stop");
            Assert.True(sweep.ExitCode == 130, $"exit {sweep.ExitCode}:\n{output.Result}\n{error.Result}\n{File.ReadAllText(Path.Combine(Dir, "sweep.log"))}");
            Assert.Contains("Ctrl+C: every run finishes its step and saves", output.Result);
        }
        var stopped = Summaries();
        Assert.NotEmpty(stopped);
        Assert.All(stopped, s => Assert.Equal("interrupted", s["status"]!.GetValue<string>()));

        var (exit, again, problems) = DotnetCli.Exec(_folder.Path, null, TimeSpan.FromMinutes(4), Command());
        Assert.True(exit == 0, $"exit {exit}:\n{again}\n{problems}");
        Assert.Contains("resumed (interrupted)", again);
        var done = Summaries();
        Assert.Equal(4, done.Count);
        Assert.All(done, s =>
        {
            Assert.Equal("completed", s["status"]!.GetValue<string>());
            Assert.Equal(6, s["epochs"]!.GetValue<int>());
        });
        Assert.Contains(done, s => s["resumed_at_epochs"]!.AsArray().Count > 0);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "state.json")))!["runs"]!.AsArray();
        Assert.Equal(["oproxy_s0", "oproxy_s1", "nir_s0", "nir_s1"], state.Select(r => r!["id"]!.GetValue<string>()));
        Assert.All(state, r => Assert.Equal("completed", r!["status"]!.GetValue<string>()));
        Assert.Equal(["nir_s0.log", "nir_s1.log", "oproxy_s0.log", "oproxy_s1.log"],
            Directory.GetFiles(Path.Combine(Dir, "logs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The sweep folder's report: each group's mean over its two seeds is the mean of the runs' last test recall.
        var (reportExit, csv, reportError) = DotnetCli.Exec(_folder.Path, null, TimeSpan.FromMinutes(2),
            DotnetCli.NirhostArguments(["report", Dir, "--format", "csv"]));
        Assert.True(reportExit == 0, reportError);
        var table = csv.Trim().Split('\n').Select(line => line.Split(',')).ToList();
        var mean = Array.IndexOf(table[0], "e_recall@1 mean");
        Assert.True(mean > 0, csv);
        foreach (var group in new[] { "oproxy", "nir" })
        {
            var row = table.Single(r => r[0] == group);
            Assert.Equal("2", row[1]);
            var expected = done.Where(s => s["run_folder"]!.GetValue<string>().Contains($"{group}_s", StringComparison.Ordinal))
                .Average(s => s["metrics"]!["Test"]!["e_recall@1"]!["last"]!.GetValue<double>());
            Assert.Equal(NirHost.Host.Reporting.Reports.ReportNumbers.Format(expected), row[mean]);
        }

        var (skipExit, skipped, _) = DotnetCli.Exec(_folder.Path, null, TimeSpan.FromMinutes(2), Command());
        Assert.Equal(0, skipExit);
        Assert.Equal(4, skipped.Split('\n').Count(l => l.Contains(": completed earlier, skipped", StringComparison.Ordinal)));

        var (otherExit, _, otherError) = DotnetCli.Exec(_folder.Path, null, TimeSpan.FromMinutes(2),
            DotnetCli.NirhostArguments(["sweep", Path.Combine(_folder.Path, "tiny.sh"), "--dir", Dir, "--seeds", "0-2", "--device", "cpu"]));
        Assert.Equal(2, otherExit);
        Assert.Contains("holds another sweep's plan", otherError);
    }

    private List<string> Checkpoints()
    {
        var runs = Path.Combine(Dir, "runs", "synthetic");
        return Directory.Exists(runs)
            ? [.. Directory.GetDirectories(runs).Select(d => Path.Combine(d, "checkpoint_last.safetensors")).Where(File.Exists)]
            : [];
    }

    private List<JsonNode> Summaries() =>
        [.. Directory.EnumerateFiles(Path.Combine(Dir, "runs"), "summary.json", SearchOption.AllDirectories).Select(f => JsonNode.Parse(File.ReadAllText(f))!)];
}
