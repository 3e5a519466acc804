using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Lifted structure loss as the base repository computes it: every anchor of the lifted miner against its set of
/// positives and its set of negatives.
/// </summary>
/// <remarks>
/// The original applies <c>nn.PairwiseDistance</c> to [1, D, 1] and [1, D, n] tensors, which broadcasts and takes
/// the norm over the n samples for each embedding coordinate, then a logsumexp over coordinates:
/// pos = LSE_d sqrt(sum_p (a_d - p_d + eps)^2), neg = LSE_d (margin - sqrt(sum_n (a_d - n_d + eps)^2)).
/// That is reproduced here (as masked sums, all anchors at once) so the numbers match the original.
/// </remarks>
[Criterion("lifted", Options = typeof(LiftedOptions), AllowedMiners = ["lifted"],
    Description = "Lifted structure loss over every anchor's positive and negative sets, with an L2 embedding penalty.")]
public sealed class LiftedCriterion(LiftedOptions options, IBatchMiner miner) : Criterion("lifted")
{
    private const double PairwiseEpsilon = 1e-6;

    public override Tensor forward(CriterionBatch batch)
    {
        using var sets = MinedSetTerms.Mine(miner, batch);
        return Compute(batch.Embeddings, sets, options);
    }

    public static Tensor Compute(Tensor embeddings, MinedSetTerms sets, LiftedOptions options)
    {
        if (sets.Count == 0)
        {
            return Reducers.Zero(embeddings);
        }
        using var scope = NewDisposeScope();
        var positiveMask = sets.Positives.to(embeddings.dtype);
        var negativeMask = sets.Negatives.to(embeddings.dtype);
        var shifted = embeddings.index_select(0, sets.Anchors).add(PairwiseEpsilon);

        var pull = SpreadPerCoordinate(shifted, embeddings, positiveMask).logsumexp(1);
        var push = SpreadPerCoordinate(shifted, embeddings, negativeMask).neg().add(options.NegMargin).logsumexp(1);
        var loss = nn.functional.relu(pull.add(push)).mean();
        return loss.add(NPairTerms.MeanNorm(embeddings).mul(options.L2)).MoveToOuterDisposeScope();
    }

    /// <summary>[A, D]: sqrt(sum_j mask_ij (s_id - x_jd)^2), expanded into matrix products.</summary>
    private static Tensor SpreadPerCoordinate(Tensor shifted, Tensor all, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var count = mask.sum(1, keepdim: true);
        var squares = shifted.pow(2).mul(count).sub(shifted.mul(mask.mm(all)).mul(2)).add(mask.mm(all.pow(2)));
        return squares.clamp_min(0).sqrt().MoveToOuterDisposeScope();
    }
}
