using System.Text;
using System.Text.Json.Nodes;
using NirHost.Host.Cli;
using NirHost.Host.Sweeps;
using NirHost.Tests.Support;

namespace NirHost.Tests.Sweeps;

/// <summary>
/// Sweep files: the original's <c>nir_benchmark_runs.sh</c> (its commands, as Python's shlex splits them, are in
/// fixtures/sweeps/nir_benchmark_runs.json; the file is laid out again from them here, one command per original line
/// number, continued over several lines as the original is) and the rules around it.
/// </summary>
public sealed class SweepScriptTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static JsonObject Original => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "sweeps", "nir_benchmark_runs.json")))!.AsObject();

    /// <summary>The original script's commands at their line numbers, comments between them, each continued over three lines with <c>\</c>, as the original is.</summary>
    private string WriteOriginalLayout()
    {
        var text = new StringBuilder();
        var line = 1;
        foreach (var command in Original["commands"]!.AsArray())
        {
            for (; line < command!["line"]!.GetValue<int>(); line++)
            {
                text.Append("# comment\n");
            }
            var words = command["args"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
            var chunks = words.Chunk((words.Count + 2) / 3).Select(c => string.Join(" ", c)).ToList();
            text.Append("python main.py ").Append(string.Join(" \\\n", chunks)).Append('\n');
            line += chunks.Count;
        }
        var path = Path.Combine(_folder.Path, "nir_benchmark_runs.sh");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private SweepOptions Options(params string[] args) => SweepOptions.Parse([WriteOriginalLayout(), "--dir", Path.Combine(_folder.Path, "sweep"), .. args]);

    [Fact]
    public void The_original_script_parses_into_its_commands_with_placeholders_filled_and_gpu_dropped()
    {
        var lines = SweepScript.Parse(WriteOriginalLayout(), new Dictionary<string, string> { ["datapath"] = "/data" });

        var expected = Original["commands"]!.AsArray();
        Assert.Equal(expected.Count, lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            Assert.Equal(expected[i]!["line"]!.GetValue<int>(), lines[i].LineNumber);
            var words = expected[i]!["args"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
            var gpu = words.IndexOf("--gpu");
            words.RemoveRange(gpu, 2);
            Assert.Equal(words.Select(w => w == "$datapath" ? "/data" : w), lines[i].Args);
            Assert.True(lines[i].DroppedGpu);
        }
    }

    [Fact]
    public void The_original_script_has_ten_valid_lines_and_four_refused_with_their_numbers_and_closest_names()
    {
        var plan = SweepPlan.Build(Options("--var", "datapath=/data"), HostHarness.Catalog, RunCommandLine.BuildFlags(HostHarness.Catalog));

        Assert.Equal(10, plan.Runs.Count);
        Assert.Equal([6, 11, 16, 22, 27, 37, 42, 48, 55, 61], plan.Runs.Select(r => r.LineNumber));
        Assert.Equal(4, plan.Problems.Count);
        Assert.Equal(["line 72:", "line 77:", "line 83:", "line 88:"], plan.Problems.Select(p => p[..(p.IndexOf(':') + 1)]));
        Assert.All(plan.Problems, p =>
        {
            Assert.Contains("unknown flag --loss_normflow_w_align (did you mean --loss_nir_w_align?)", p);
            Assert.Contains("unknown flag --loss_normflow_lrmulti (did you mean --loss_nir_lrmulti?)", p);
            Assert.Contains("'normflow'", p);
        });
        Assert.Contains(plan.Notices, n => n.StartsWith("--gpu in the file's lines is dropped", StringComparison.Ordinal));
        var first = plan.Runs[0];
        Assert.Equal("cub200_r128_proxyanchor-baseline_s0", first.Id);
        Assert.Equal(["/data"], SweepPlan.FlagValues(first.Args, "source_path"));
        Assert.Equal([Path.Combine(_folder.Path, "sweep", "runs")], SweepPlan.FlagValues(first.Args, "save_path"));
        Assert.DoesNotContain("--gpu", first.Args);
    }

    [Fact]
    public void Seeds_replace_each_lines_own_seed_and_the_grid_crosses_every_line()
    {
        var plan = SweepPlan.Build(Options("--var", "datapath=/data", "--skip-invalid", "--seeds", "0-1,7", "--grid", "loss_nir_w_align=0.005,0.01"),
            HostHarness.Catalog, RunCommandLine.BuildFlags(HostHarness.Catalog));

        Assert.Equal(10 * 3 * 2, plan.Runs.Count);
        Assert.Equal(Enumerable.Range(0, plan.Runs.Count), plan.Runs.Select(r => r.Task));
        Assert.Equal(plan.Runs.Count, plan.Runs.Select(r => r.Id).Distinct().Count());
        var nir = plan.Runs.Where(r => r.LineNumber == 11).ToList();
        Assert.Equal([0, 1, 7, 0, 1, 7], nir.Select(r => r.Seed));
        Assert.All(nir, r => Assert.Equal([r.Seed.ToString()], SweepPlan.FlagValues(r.Args, "seed")));
        Assert.Equal(["0.005", "0.005", "0.005", "0.01", "0.01", "0.01"], nir.Select(r => SweepPlan.FlagValues(r.Args, "loss_nir_w_align").Single()));
        Assert.Equal("cub200_r128_proxyanchor-NIR_w-0.0075_loss_nir_w_align-0.01_s7", nir[^1].Id);
    }

    [Fact]
    public void A_placeholder_without_a_value_is_an_error_naming_the_file_and_line()
    {
        var error = Assert.Throws<CommandLineException>(() => SweepScript.Parse(WriteOriginalLayout(), new Dictionary<string, string>()));
        Assert.Equal($"{Path.Combine(_folder.Path, "nir_benchmark_runs.sh")}, line 6: the placeholder $datapath has no value (give it with --var datapath=VALUE).",
            error.Message);
    }

    [Fact]
    public void Assignments_in_the_file_give_placeholders_values_that_var_overrides_and_other_commands_are_refused()
    {
        var path = Path.Combine(_folder.Path, "runs.sh");
        File.WriteAllText(path, "export datapath=/from/file\ngpu=0\nCUDA_VISIBLE_DEVICES=$gpu python3 ./main.py --source_path \"$datapath\" --seed 2\nnirhost train --source_path ${datapath}/x\n");

        var lines = SweepScript.Parse(path, new Dictionary<string, string>());
        Assert.Equal(["--source_path", "/from/file", "--seed", "2"], lines[0].Args);
        Assert.Equal(["--source_path", "/from/file/x"], lines[1].Args);
        Assert.Equal(["--source_path", "/given", "--seed", "2"], SweepScript.Parse(path, new Dictionary<string, string> { ["datapath"] = "/given" })[0].Args);

        File.AppendAllText(path, "cd /somewhere\n");
        var error = Assert.Throws<CommandLineException>(() => SweepScript.Parse(path, new Dictionary<string, string>()));
        Assert.StartsWith($"{path}, line 5: 'cd /somewhere' is not a run", error.Message);
    }

    [Theory]
    [InlineData("0-4", new[] { 0, 1, 2, 3, 4 })]
    [InlineData("0,3,7", new[] { 0, 3, 7 })]
    [InlineData("5", new[] { 5 })]
    [InlineData("0-1,9", new[] { 0, 1, 9 })]
    public void Seeds_are_ranges_or_lists(string spec, int[] seeds) => Assert.Equal(seeds, SweepOptions.ParseSeeds(spec));

    [Theory]
    [InlineData("a", "'a' is neither a seed nor a range")]
    [InlineData("0-2,1", "names a seed twice")]
    public void Bad_seeds_are_refused(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<CommandLineException>(() => SweepOptions.ParseSeeds(spec)).Message);

    [Fact]
    public void An_unknown_sweep_option_names_the_closest_and_a_grid_flag_must_exist()
    {
        Assert.Contains("did you mean --seeds?", Assert.Throws<CommandLineException>(() => SweepOptions.Parse(["f.sh", "--seed", "0"])).Message);
        var error = Assert.Throws<CommandLineException>(() => SweepPlan.Build(Options("--var", "datapath=/d", "--grid", "loss_nir_walign=1,2"),
            HostHarness.Catalog, RunCommandLine.BuildFlags(HostHarness.Catalog)));
        Assert.Equal("sweep: --grid loss_nir_walign: no such flag; did you mean loss_nir_w_align?", error.Message);
    }
}
