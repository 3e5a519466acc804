using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>Triplet loss on squared Euclidean distances, averaged over the mined triplets.</summary>
[Criterion("triplet", Options = typeof(TripletOptions),
    AllowedMiners = ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"],
    Description = "Triplet loss: relu(|a-p|^2 - |a-n|^2 + margin) over mined triplets.")]
public sealed class TripletCriterion(TripletOptions options, IBatchMiner miner) : Criterion("triplet")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(miner, batch);
        return Compute(batch.Embeddings, tuples, options.Margin);
    }

    public static Tensor Compute(Tensor embeddings, MinedTuples tuples, double margin)
    {
        if (tuples.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var positive = Distances.SquaredRows(anchors, embeddings.index_select(0, tuples.Positives));
        var negative = Distances.SquaredRows(anchors, embeddings.index_select(0, tuples.Negatives));
        return nn.functional.relu(positive.sub(negative).add(margin)).mean().MoveToOuterDisposeScope();
    }
}
