using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of S2SD, simultaneous similarity-based self-distillation (<c>--loss s2sd</c>).</summary>
public sealed class S2sdOptions
{
    [Flag("loss_s2sd_source", Help = "DML criterion for the base embedding branch.")]
    public string Source { get; set; } = "multisimilarity";

    [Flag("loss_s2sd_target", Help = "DML criterion for the target embedding branches.")]
    public string Target { get; set; } = "multisimilarity";

    [Flag("loss_s2sd_T", Help = "Temperature for the KL-Divergence Distillation.")]
    public double T { get; set; } = 1;

    [Flag("loss_s2sd_w", Help = "Weight of the distillation loss.")]
    public double W { get; set; } = 0;

    [Flag("loss_s2sd_pool_aggr", Help = "Flag. If set, uses both global max- and average pooling in the target branches.")]
    public bool PoolAggr { get; set; }

    [Flag("loss_s2sd_target_dims", Help = "Defines number and dimensionality of used target branches.", Min = 1)]
    public int[] TargetDims { get; set; } = [1024, 1536, 2048];

    [Flag("loss_s2sd_feat_distill", Help = "Flag. If set, feature distillation is used.")]
    public bool FeatDistill { get; set; }

    [Flag("loss_s2sd_feat_w", Help = "Weight of the feature space distillation loss.")]
    public double FeatW { get; set; } = 50;

    [Flag("loss_s2sd_feat_distill_delay", Help = "Defines the number of training iterations before feature distillation is activated.", Min = 0)]
    public int FeatDistillDelay { get; set; } = 1000;
}
