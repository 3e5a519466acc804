using System.Diagnostics;

namespace NirHost.Tests.Support;

/// <summary>
/// A real SLURM cluster of one node on this machine (Debian's slurm-wlm and munge, installed when missing): munged
/// (started unless one runs), slurmctld and slurmd with a configuration in a temporary folder and ports of their own,
/// stopped again on disposal. Client commands reach it through <see cref="Environment"/> (<c>SLURM_CONF</c>).
/// </summary>
public sealed class OneNodeSlurm : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly bool _startedMunge;

    public OneNodeSlurm()
    {
        DebianPackages.Ensure("slurmctld", "slurm-wlm", "munge");
        DebianPackages.Ensure("munged", "munge");
        _startedMunge = StartMungeUnlessRunning();
        var host = Run("hostname", "-s").Output.Trim();
        Directory.CreateDirectory(Path.Combine(_folder.Path, "state"));
        Directory.CreateDirectory(Path.Combine(_folder.Path, "spool"));
        File.WriteAllText(Conf, string.Join('\n',
            "ClusterName=nirhosttest",
            $"SlurmctldHost={host}",
            "SlurmUser=root",
            "AuthType=auth/munge",
            "SlurmctldPort=16917",
            "SlurmdPort=16918",
            $"StateSaveLocation={_folder.Path}/state",
            $"SlurmdSpoolDir={_folder.Path}/spool",
            $"SlurmctldPidFile={_folder.Path}/slurmctld.pid",
            $"SlurmdPidFile={_folder.Path}/slurmd.pid",
            $"SlurmctldLogFile={_folder.Path}/slurmctld.log",
            $"SlurmdLogFile={_folder.Path}/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "ReturnToService=2",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "JobRequeue=1",
            "KillWait=10",
            $"NodeName={host} CPUs={System.Environment.ProcessorCount} RealMemory=2000 State=UNKNOWN",
            $"PartitionName=debug Nodes={host} Default=YES State=UP MaxTime=INFINITE") + "\n");
        Check(Run("slurmctld", "-f", Conf), "slurmctld");
        Check(Run("slurmd", "-f", Conf), "slurmd");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!Run("sinfo", "-h", "-o", "%T").Output.Contains("idle", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the node never became idle:\n{Logs()}");
            Thread.Sleep(500);
        }
    }

    public string Conf => Path.Combine(_folder.Path, "slurm.conf");

    public Dictionary<string, string> Environment => new() { ["SLURM_CONF"] = Conf };

    /// <summary>Runs a SLURM client command (or any program) against this cluster.</summary>
    public (int ExitCode, string Output, string Error) Run(string program, params string[] args) =>
        DotnetCli.ExecProgram(program, _folder.Path, Environment, TimeSpan.FromMinutes(1), args);

    public string Logs() => string.Join('\n', new[] { "slurmctld.log", "slurmd.log" }
        .Select(f => Path.Combine(_folder.Path, f)).Where(File.Exists).Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    public void Dispose()
    {
        foreach (var pidFile in new[] { "slurmd.pid", "slurmctld.pid" }.Select(f => Path.Combine(_folder.Path, f)))
        {
            Stop(pidFile);
        }
        if (_startedMunge)
        {
            Stop("/run/munge/munged.pid");
        }
        _folder.Dispose();
    }

    private void Check((int ExitCode, string Output, string Error) result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what} did not start:\n{result.Output}\n{result.Error}\n{Logs()}");

    /// <summary>munged as Debian runs it, as the munge user with the key the package made; false when one already answers.</summary>
    private bool StartMungeUnlessRunning()
    {
        if (DotnetCli.ExecProgram("bash", Path.GetTempPath(), null, TimeSpan.FromSeconds(20), "-c", "munge -n | unmunge").ExitCode == 0)
        {
            return false;
        }
        var setup = DotnetCli.ExecProgram("bash", Path.GetTempPath(), null, TimeSpan.FromMinutes(1), "-c",
            "set -e; for d in /run/munge /var/lib/munge /var/log/munge; do mkdir -p $d; chown munge:munge $d; done; " +
            "if [ ! -s /etc/munge/munge.key ]; then mkdir -p /etc/munge; dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi; " +
            "chown -R munge:munge /etc/munge; chmod 700 /etc/munge; chmod 400 /etc/munge/munge.key; " +
            "runuser -u munge -- /usr/sbin/munged --force; sleep 1; munge -n | unmunge > /dev/null");
        Assert.True(setup.ExitCode == 0, $"munged did not start:\n{setup.Output}\n{setup.Error}");
        return true;
    }

    private static void Stop(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            DotnetCli.ExecProgram("kill", Path.GetTempPath(), null, TimeSpan.FromSeconds(10), pid.ToString());
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill();
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }
}
