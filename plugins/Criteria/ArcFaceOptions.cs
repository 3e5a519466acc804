using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the ArcFace loss (<c>--loss arcface</c>).</summary>
public sealed class ArcFaceOptions
{
    [Flag("loss_arcface_lr", Help = "Learning rate for arcface proxies.", Min = 0)]
    public double Lr { get; set; } = 0.0005;

    [Flag("loss_arcface_angular_margin", Help = "Angular margin between proxies.")]
    public double AngularMargin { get; set; } = 0.5;

    [Flag("loss_arcface_feature_scale", Help = "Inverted Temperature/scaling factor.")]
    public double FeatureScale { get; set; } = 16;
}
