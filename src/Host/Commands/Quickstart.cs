namespace NirHost.Host.Commands;

/// <summary>
/// The quick start: a preset that trains on the embedded dataset in a few minutes on two CPU cores.
/// Any train flag given after <c>quickstart</c> overrides the preset.
/// </summary>
public static class Quickstart
{
    public static readonly string[] Preset =
    [
        "--dataset", "synthetic",
        "--arch", "convnet_normalize",
        "--loss", "oproxy",
        "--data_sampler", "class_random",
        "--samples_per_class", "4",
        "--bs", "100",
        "--embed_dim", "64",
        "--n_epochs", "12",
        "--lr", "0.001",
        "--decay", "0.0001",
        "--loss_oproxy_lrmulti", "100",
        "--tau", "8",
        "--gamma", "0.3",
        "--warmup", "0",
        "--evaluation_metrics", "e_recall@1", "e_recall@2", "e_recall@4", "e_recall@8",
        "--no_train_metrics",
        "--device", "cpu",
        "--kernels", "2",
    ];

    /// <summary>Preset first, user flags after: argparse semantics make the later value win.</summary>
    public static IReadOnlyList<string> Arguments(IEnumerable<string> overrides) => [.. Preset, .. overrides];
}
