namespace NirHost.Host.Commands;

/// <summary>
/// The quick start: NIR (ProxyAnchor with the non-isotropy regularizer) on the embedded dataset, in a few
/// minutes on two CPU cores. Any train flag given after <c>quickstart</c> overrides the preset, so
/// <c>quickstart --loss oproxy --loss_nir_w_align 0</c> is the ProxyAnchor baseline under otherwise identical
/// settings (the preset's explicit <c>--loss_nir_w_align</c> would otherwise compose NIR onto oproxy).
/// </summary>
public static class Quickstart
{
    public static readonly string[] Preset =
    [
        "--dataset", "synthetic",
        "--arch", "convnet_normalize",
        "--loss", "nir",
        "--data_sampler", "class_random",
        "--samples_per_class", "4",
        "--bs", "100",
        "--embed_dim", "64",
        "--n_epochs", "12",
        "--lr", "0.001",
        "--decay", "0.0001",
        "--loss_oproxy_lrmulti", "100",
        // A flow small enough for a CPU; proxies and flow at learning-rate multipliers suited to training from scratch.
        "--loss_nir_proxy_lrmulti", "100",
        "--loss_nir_lrmulti", "5",
        "--loss_nir_nf_fc_width", "64",
        "--loss_nir_nf_fc_depth", "4",
        // A stronger pull of the ProxyAnchor alignment term than the original's 0.01 suits this small flow.
        "--loss_nir_w_align", "0.1",
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
