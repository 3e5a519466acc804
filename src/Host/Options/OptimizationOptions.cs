using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>Optimisation flags of the original's <c>basic_training_parameters</c>.</summary>
public sealed class OptimizationOptions
{
    [Flag("lr", Help = "Learning rate for network parameters.", Min = 0)]
    public double Lr { get; set; } = 0.00001;

    [Flag("fc_lr", Help = "Learning rate for the embedding head. If -1, uses the base lr.")]
    public double FcLr { get; set; } = -1;

    [Flag("n_epochs", Help = "Number of training epochs.", Min = 1, Max = 1_000_000)]
    public int NEpochs { get; set; } = 150;

    [Flag("bs", Help = "Mini-batch size.", Min = 2, Max = 1_000_000)]
    public int Bs { get; set; } = 112;

    [Flag("seed", Help = "Random seed for reproducibility.")]
    public int Seed { get; set; }

    [Flag("scheduler", Help = "Learning rate schedule, stepped after every epoch: step multiplies the rates by --gamma at each --tau epoch (exp does the same, as the original's code did), exponential by --gamma every epoch, none keeps them.",
        Choices = ["step", "exp", "exponential", "none"])]
    public string Scheduler { get; set; } = "step";

    [Flag("gamma", Help = "Learning rate reduction factor at each --tau milestone (--scheduler step) or every epoch (--scheduler exponential).", Min = 0)]
    public double Gamma { get; set; } = 0.3;

    [Flag("decay", Help = "Weight decay for the optimizer.", Min = 0)]
    public double Decay { get; set; } = 0.0004;

    [Flag("tau", Help = "Epochs at which the learning rate is reduced by --gamma.", Min = 0)]
    public int[] Tau { get; set; } = [10000];

    [Flag("warmup", Help = "Epochs at the start during which the backbone gets no gradients (only the head, proxies and criterion learn).", Min = 0)]
    public int Warmup { get; set; }

    [Flag("optim", Help = "Optimizer: adam (the original's) or sgd (momentum 0.9, as Revisiting_Deep_Metric_Learning_PyTorch).", Choices = ["adam", "sgd"])]
    public string Optim { get; set; } = "adam";

    [Flag("grad_clip", Help = "Clips the norm of all gradients together to this value before each update, after the non-finite check has seen them unclipped (0: off).", Min = 0)]
    public double GradClip { get; set; }

    [Flag("internal_split", Help = "Split parameter used for meta-learning extensions (1 = off).", Min = 0, Max = 1)]
    public double InternalSplit { get; set; } = 1;
}
