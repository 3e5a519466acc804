using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Quadruplet loss (Chen et al. 2017): a triplet term on Euclidean distances plus a term that asks anchor-positive
/// distances to undercut the distance between the negative and a fourth sample.
/// </summary>
/// <remarks>
/// The fourth sample follows the base repository: for triplet i it is drawn uniformly from the positions j of the
/// mined triplets whose negative differs from triplet i's, and position j is then used as a batch index. The
/// original's indexing also broadcasts the second term over all pairs (triplet i's anchor-positive distance against
/// triplet j's negative-to-fourth distance), so it averages a [T, T] matrix; both are reproduced so the numbers match.
/// </remarks>
[Criterion("quadruplet", Options = typeof(QuadrupletOptions),
    AllowedMiners = ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"],
    Description = "Quadruplet loss: triplet term plus a negative-pair term with a randomly drawn fourth sample.")]
public sealed class QuadrupletCriterion(QuadrupletOptions options, IBatchMiner miner) : Criterion("quadruplet")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var tuples = MinedTuples.Mine(miner, batch);
        // Triplets without a fourth sample (the original fails on them) drop out of the second term only.
        var fourth = DrawFourth(tuples.Source, batch.Embeddings.shape[0], batch.Random).Where(f => f >= 0).ToArray();
        using var fourthIndices = tensor(fourth, dtype: int64, device: batch.Embeddings.device);
        return Compute(batch.Embeddings, tuples, fourthIndices, options);
    }

    /// <summary>
    /// For each triplet, a batch index drawn among triplet positions whose negative differs from its own; -1 where
    /// there is none (every usable triplet shares its negative).
    /// </summary>
    public static long[] DrawFourth(MinedTriplets triplets, long batchSize, Random random)
    {
        var negatives = triplets.Negatives;
        var usable = (int)Math.Min(negatives.Length, batchSize);
        var fourth = new long[negatives.Length];
        var candidates = new List<int>(usable);
        for (var i = 0; i < negatives.Length; i++)
        {
            candidates.Clear();
            for (var j = 0; j < usable; j++)
            {
                if (negatives[j] != negatives[i])
                {
                    candidates.Add(j);
                }
            }
            fourth[i] = candidates.Count == 0 ? -1 : candidates[random.Next(candidates.Count)];
        }
        return fourth;
    }

    /// <summary>
    /// The loss given each triplet's drawn fourth sample (<paramref name="fourth"/> may hold fewer, or none: the
    /// second term averages over the fourth samples there are, and is zero without any).
    /// </summary>
    public static Tensor Compute(Tensor embeddings, MinedTuples tuples, Tensor fourth, QuadrupletOptions options)
    {
        if (tuples.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, tuples.Anchors);
        var negatives = embeddings.index_select(0, tuples.Negatives);
        var toPositive = Distances.EuclideanRows(anchors, embeddings.index_select(0, tuples.Positives));
        var toNegative = Distances.EuclideanRows(anchors, negatives);
        var triplet = nn.functional.relu(toPositive.sub(toNegative).add(options.MarginAlpha1)).mean();
        if (fourth.shape[0] == 0)
        {
            return triplet.MoveToOuterDisposeScope();
        }
        var negativePairs = Distances.EuclideanMatrix(negatives, embeddings.index_select(0, fourth));
        var quadruplet = nn.functional.relu(toPositive.unsqueeze(1).sub(negativePairs).add(options.MarginAlpha2)).mean();
        return triplet.add(quadruplet).MoveToOuterDisposeScope();
    }
}
