using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Sweeps;

/// <summary>
/// <c>nirhost sweep --slurm</c> on a real one-node SLURM cluster started for the test: the rendered array script
/// passes <c>bash -n</c> and shellcheck, runs every run as an array task, and a task requeued while it trains
/// (<c>scontrol requeue</c>, as a pre-emption does) resumes its run from its checkpoint.
/// </summary>
public sealed class SlurmSweepTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Dir => Path.Combine(_folder.Path, "sweep");

    [Fact]
    public void An_array_job_runs_every_run_and_a_requeued_task_resumes_its_run()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // SLURM runs on Linux only.
        }
        DebianPackages.Ensure("shellcheck", "shellcheck");
        File.WriteAllText(Path.Combine(_folder.Path, "runs.sh"),
            "nirhost --dataset synthetic --synthetic_classes 10 --synthetic_samples_per_class 10 --arch convnet_normalize --convnet_width 8 \\\n" +
            "  --embed_dim 16 --bs 20 --samples_per_class 2 --n_epochs 6 --evaluation_metrics e_recall@1 --loss oproxy --group slurm --gpu $gpu\n");
        var (exit, output, error) = DotnetCli.Exec(_folder.Path, null, TimeSpan.FromMinutes(2),
            DotnetCli.NirhostArguments(["sweep", "runs.sh", "--slurm", "--dir", Dir, "--seeds", "0,1", "--cpus", "1", "--time", "00:20:00"]));
        Assert.True(exit == 0, $"{output}\n{error}");
        var script = Path.Combine(Dir, "sweep.sbatch");
        Assert.Contains($"  sbatch {script}", output);
        Assert.Contains("--gpu in the file's lines is dropped: under SLURM", output);
        var text = File.ReadAllText(script);
        Assert.Contains("#SBATCH --array=0-1\n", text);
        Assert.Contains("#SBATCH --cpus-per-task=1\n", text);
        Assert.Contains("#SBATCH --time=00:20:00\n", text);
        Assert.DoesNotContain("--partition", text);
        var syntax = DotnetCli.ExecProgram("bash", _folder.Path, null, TimeSpan.FromSeconds(30), "-n", script);
        Assert.True(syntax.ExitCode == 0, syntax.Error);
        var lint = DotnetCli.ExecProgram("shellcheck", _folder.Path, null, TimeSpan.FromSeconds(60), script);
        Assert.True(lint.ExitCode == 0, $"shellcheck:\n{lint.Output}\n{lint.Error}");

        using var cluster = new OneNodeSlurm();
        var submitted = cluster.Run("sbatch", "--parsable", script);
        Assert.True(submitted.ExitCode == 0, $"{submitted.Output}\n{submitted.Error}\n{cluster.Logs()}");
        var job = submitted.Output.Trim().Split(';')[0];
        var first = Path.Combine(Dir, "runs", "synthetic", "slurm_s0");

        WaitFor(() => File.Exists(Path.Combine(first, "checkpoint_last.safetensors")), TimeSpan.FromMinutes(3), cluster, "task 0 saving an epoch");
        var requeue = cluster.Run("scontrol", "requeue", $"{job}_0");
        Assert.True(requeue.ExitCode == 0, $"{requeue.Output}\n{requeue.Error}");
        // SLURM holds a requeued job back for a couple of minutes; once it is pending again, let it start now.
        WaitFor(() => cluster.Run("squeue", "-h", "-j", $"{job}_0", "-o", "%T").Output.Contains("PENDING", StringComparison.Ordinal),
            TimeSpan.FromMinutes(1), cluster, "the requeued task to be pending");
        cluster.Run("scontrol", "update", $"JobId={job}_0", "StartTime=now");
        WaitFor(() => cluster.Run("squeue", "-h", "-j", job).Output.Trim().Length == 0, TimeSpan.FromMinutes(4), cluster, "the job to finish");

        var summaries = new[] { "slurm_s0", "slurm_s1" }
            .Select(id => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "runs", "synthetic", id, "summary.json")))!).ToList();
        Assert.All(summaries, s =>
        {
            Assert.Equal("completed", s["status"]!.GetValue<string>());
            Assert.Equal(6, s["epochs"]!.GetValue<int>());
        });
        Assert.NotEmpty(summaries[0]["resumed_at_epochs"]!.AsArray());
        Assert.Contains("resumed (interrupted)", File.ReadAllText(Directory.GetFiles(Path.Combine(Dir, "logs"), $"slurm-{job}_0.out").Single()));
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, OneNodeSlurm cluster, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}:\n{cluster.Run("squeue", "-a").Output}\n{cluster.Logs()}");
            }
            Thread.Sleep(500);
        }
    }
}
