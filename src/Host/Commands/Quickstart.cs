using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Plugins;

namespace NirHost.Host.Commands;

/// <summary>
/// The quick start: NIR (ProxyAnchor with the non-isotropy regularizer) on the embedded dataset, in a few
/// minutes on two CPU cores. Any train flag given after <c>quickstart</c> overrides the preset. A <c>--loss</c> of the
/// user's own choosing trains that loss: the preset's flags of other criteria (NIR's <c>--loss_nir_*</c>) are left
/// out, so they neither compose NIR onto it nor apply to a criterion they were not meant for, while the chosen
/// criterion's own preset flags stay (<c>quickstart --loss oproxy</c> is the ProxyAnchor baseline under the preset's
/// <c>--loss_oproxy_lrmulti</c>).
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

    private const string PresetLoss = "nir";

    /// <summary>Preset first, user flags after: argparse semantics make the later value win.</summary>
    public static IReadOnlyList<string> Arguments(IReadOnlyList<string> overrides, FlagCatalog flags, PluginCatalog catalog)
    {
        var given = new ArgumentParser(flags).Parse(overrides);
        var loss = given.Values.TryGetValue("loss", out var chosen) && chosen.Count > 0 ? chosen[0] : PresetLoss;
        return loss == PresetLoss ? [.. Preset, .. overrides] : [.. PresetFor(loss, flags, catalog), .. overrides];
    }

    /// <summary>The preset without the flags that only criteria other than <paramref name="loss"/> declare.</summary>
    private static IEnumerable<string> PresetFor(string loss, FlagCatalog flags, PluginCatalog catalog)
    {
        var criteria = catalog.OfKind(ComponentKind.Criterion).ToList();
        var chosenOptions = criteria.FirstOrDefault(c => c.Name == loss)?.OptionsType;
        var otherCriteriaOptions = criteria.Select(c => c.OptionsType).OfType<Type>().Where(t => t != chosenOptions).ToHashSet();
        var keep = true;
        foreach (var token in Preset)
        {
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                keep = !flags.TryGet(token[2..], out var definitions) || !definitions.All(d => otherCriteriaOptions.Contains(d.OptionsType));
            }
            if (keep)
            {
                yield return token;
            }
        }
    }
}
