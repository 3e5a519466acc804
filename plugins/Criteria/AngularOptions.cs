using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the angular loss (<c>--loss angular</c>).</summary>
public sealed class AngularOptions
{
    [Flag("loss_angular_alpha", Help = "Angular margin in degrees.")]
    public double Alpha { get; set; } = 45;

    [Flag("loss_angular_npair_ang_weight", Help = "Relative weighting between angular and npair contribution.")]
    public double NPairAngWeight { get; set; } = 2;

    [Flag("loss_angular_npair_l2", Help = "L2 weight on NPair (as embeddings are not normalized).")]
    public double NPairL2 { get; set; } = 0.005;
}
