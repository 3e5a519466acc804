using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of the triplet loss (<c>--loss triplet</c>).</summary>
public sealed class TripletOptions
{
    [Flag("loss_triplet_margin", Help = "Margin for Triplet Loss.")]
    public double Margin { get; set; } = 0.2;
}
