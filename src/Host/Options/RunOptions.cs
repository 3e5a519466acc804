using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>Where a run writes, on which device, and how it is logged.</summary>
public sealed class RunOptions
{
    [Flag("save_path", Help = "Where to save everything; runs go to <save_path>/<dataset>/<run name>.")]
    public string SavePath { get; set; } = Path.Combine(Environment.CurrentDirectory, "Training_Results");

    [Flag("savename", Help = "Run folder name. group_plus_seed: <group>_s<seed> with --log_online, else dataset, arch and time.")]
    public string Savename { get; set; } = "group_plus_seed";

    [Flag("completed", Help = "Marks a finished run: nothing is trained.")]
    public bool Completed { get; set; }

    [Flag("gpu", Help = "CUDA device index, as in the original (--device cuda:N is the native spelling).", Min = 0)]
    public int[] Gpu { get; set; } = [0];

    [Flag("device", Help = "Device to train on: auto (CUDA if present, else CPU), cpu, cuda or cuda:N.")]
    public string Device { get; set; } = "auto";

    [Flag("resume", Help = "Continue the run in this run folder from its last epoch checkpoint, with the flags it started with (only --device, --gpu, --kernels and --debug may be given anew).")]
    public string Resume { get; set; } = "";

    [Flag("log_online", Help = "Log losses, learning rates and every metric to TensorBoard event files in <run folder>/tensorboard (the original logs to W&B, which has no .NET client).")]
    public bool LogOnline { get; set; }

    [Flag("wandb_key", Help = "W&B account key (kept for command-line compatibility; NirHost does not send data to W&B).")]
    public string WandbKey { get; set; } = "<your_wandb_key>";

    [Flag("project", Help = "Project name, recorded with the TensorBoard logs (--log_online).")]
    public string Project { get; set; } = "DiVA_Sample_Runs";

    [Flag("group", Help = "Group name: groups several seeds of one setup; with --log_online and --savename group_plus_seed the run folder is <group>_s<seed>.")]
    public string Group { get; set; } = "Sample_Run";

    [Flag("debug", Help = "Show stack traces with errors.")]
    public bool Debug { get; set; }
}
