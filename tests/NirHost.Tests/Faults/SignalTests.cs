using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Faults;

/// <summary>
/// The nirhost process under SIGTERM, Ctrl+C (SIGINT) and SIGHUP, as a user, a cluster scheduler or a dropped SSH
/// session stops it.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private const int SigHup = 1;
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>Starts a long micro run and returns once its first epoch is done.</summary>
    private Process StartTraining(List<string> output, string? savePath = null, string epochs = "1000")
    {
        var process = DotnetCli.StartNirhost(FaultyPlugin.MicroRun(savePath ?? _folder.Path, "--n_epochs", epochs));
        var firstEpoch = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.Add(e.Data ?? "");
            }
            if (e.Data?.StartsWith("Epoch 0:", StringComparison.Ordinal) == true)
            {
                firstEpoch.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.Add(e.Data ?? "");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(firstEpoch.Task.Wait(TimeSpan.FromMinutes(2)), "no epoch finished: " + string.Join('\n', output));
        return process;
    }

    private string Run => Path.Combine(_folder.Path, "synthetic", "run");

    private static bool Said(List<string> output, string text)
    {
        lock (output)
        {
            return output.Any(line => line.Contains(text, StringComparison.Ordinal));
        }
    }

    private static string Joined(List<string> output)
    {
        lock (output)
        {
            return string.Join('\n', output);
        }
    }

    [UnixFact]
    public void Sigterm_finishes_the_step_saves_the_run_and_exits_with_143()
    {
        var output = new List<string>();
        using var process = StartTraining(output);

        Assert.Equal(0, Kill(process.Id, SigTerm));

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "nirhost did not stop after SIGTERM");
        Assert.Equal(143, process.ExitCode);
        lock (output)
        {
            Assert.Contains(output, line => line.StartsWith("interrupted: ", StringComparison.Ordinal));
        }
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(Run, "summary.json")));
        Assert.Equal(RunStatus.Interrupted, summary.Status);
        Assert.True(summary.Epochs >= 1);
        // The checkpoint agrees with the summary; stopped inside an epoch, it holds that epoch's progress.
        var (tensors, metadata) = NirHost.Host.IO.SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(Run));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        var state = CheckpointState.FromJson(metadata["nirhost.training_state"], Run);
        Assert.Equal(summary.Epochs, state.CompletedEpochs);
        Assert.True(state.InEpoch is null || state.InEpoch.StepsDone is > 0 and < FaultyPlugin.MicroStepsPerEpoch + 1);
        Assert.Equal(state.InEpoch is not null, tensors.ContainsKey("epoch.batches"));
    }

    [UnixFact]
    public void Sighup_saves_the_run_like_sigterm_exits_with_129_and_resume_ends_as_if_never_stopped()
    {
        // Enough epochs that the hang-up, sent once the first epoch is logged, arrives before the run could end.
        const string epochs = "6";
        var output = new List<string>();
        var savePath = Path.Combine(_folder.Path, "hup");
        using var process = StartTraining(output, savePath, epochs);

        Assert.Equal(0, Kill(process.Id, SigHup));

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "nirhost did not stop after SIGHUP: " + Joined(output));
        Assert.True(129 == process.ExitCode, $"exit code {process.ExitCode}: " + Joined(output));
        Assert.True(Said(output, "SIGHUP: stopping after the current step"), Joined(output));
        var run = Path.Combine(savePath, "synthetic", "run");
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal(RunStatus.Interrupted, summary.Status);
        Assert.Equal(summary.Epochs, InterruptionTests.ReadState(run).CompletedEpochs);

        using var plugins = new FaultyPlugin();
        var resumed = plugins.Train(["--resume", run]);
        var uninterrupted = plugins.Train(FaultyPlugin.MicroRun(Path.Combine(_folder.Path, "whole"), "--n_epochs", epochs));
        Assert.Equal((RunStatus.Completed, 6), (resumed.Status, resumed.Epochs));
        Assert.Equal(uninterrupted.TrainLoss, resumed.TrainLoss);
        Assert.Equal(uninterrupted.Metrics["Test"]["e_recall@1"].Last, resumed.Metrics["Test"]["e_recall@1"].Last);
        InterruptionTests.AssertSameCheckpoints(uninterrupted.RunFolder, run);
    }

    [UnixFact]
    public void A_second_ctrl_c_exits_at_once_and_leaves_every_written_file_whole()
    {
        var output = new List<string>();
        using var process = StartTraining(output);

        Assert.Equal(0, Kill(process.Id, SigInt));
        // The second press after the first was taken: two signals sent at once can reach a busy process as one
        // (the kernel keeps one pending SIGINT), which is not what a user pressing Ctrl+C twice does.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!process.HasExited && DateTime.UtcNow < deadline && !Said(output, "Ctrl+C: stopping after the current step"))
        {
            Thread.Sleep(10);
        }
        if (!process.HasExited)
        {
            Assert.True(Said(output, "Ctrl+C: stopping after the current step"), "nirhost did not take the first SIGINT: " + Joined(output));
            Kill(process.Id, SigInt);
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "nirhost did not stop after two SIGINTs: " + Joined(output));
        Assert.NotEqual(0, process.ExitCode);
        JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "summary.json")));
        JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "config.json")));
        foreach (var log in Directory.GetFiles(Path.Combine(Run, "CSV_Logs")))
        {
            var lines = File.ReadAllLines(log);
            Assert.All(lines, line => Assert.Equal(lines[0].Split(',').Length, line.Split(',').Length));
        }
    }
}
