using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.TestPlugins.Composing;

/// <summary>
/// Composes a criterion this plugin does not contain, as S2SD does: twice the triplet loss of the criteria installed
/// beside the host, built by the factory with the run's miner. For the tests of <c>nirhost check-plugin</c>'s search of the
/// host's plugins folder.
/// </summary>
[Criterion("triplet_twice")]
public sealed class TripletTwiceCriterion : Criterion
{
    private readonly Criterion _inner;

    public TripletTwiceCriterion(ICriterionFactory factory, TrainingSetup setup) : base("triplet_twice") =>
        _inner = factory.Create("triplet", setup, "loss_triplet_twice_inner");

    public override Tensor forward(CriterionBatch batch) => _inner.forward(batch).mul(2);
}
