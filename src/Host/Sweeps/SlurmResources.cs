namespace NirHost.Host.Sweeps;

/// <summary>What each array task asks SLURM for; unset ones are left to the cluster's defaults.</summary>
public sealed class SlurmResources
{
    public string? Partition { get; set; }

    /// <summary>GPUs per task (<c>--gpus-per-task</c>); 0 or unset: none asked for.</summary>
    public int? Gpus { get; set; }

    public int? Cpus { get; set; }

    /// <summary>Memory per task in SLURM's notation (<c>16G</c>).</summary>
    public string? Memory { get; set; }

    /// <summary>Time limit per task in SLURM's notation (<c>2-00:00:00</c>).</summary>
    public string? Time { get; set; }

    public string? Account { get; set; }

    public void CopyFrom(SlurmResources other)
    {
        (Partition, Gpus, Cpus, Memory, Time, Account) = (other.Partition, other.Gpus, other.Cpus, other.Memory, other.Time, other.Account);
    }
}
