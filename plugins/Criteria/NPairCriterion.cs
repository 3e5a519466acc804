using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// N-pair loss (Sohn 2016): each anchor's positive must be more similar than each of its negatives,
/// log(1 + sum_n exp(a.n - a.p)), plus an L2 penalty on the (unnormalised) embeddings.
/// </summary>
/// <remarks>
/// With a BN-Inception backbone (<c>--arch</c> containing <c>bninception</c>) the original divides the embeddings by 4
/// after mining and before both terms, against overflow of its plain exp-sum at initialisation; so does this one,
/// which learns the architecture from <see cref="TrainingSetup.ArchitectureName"/>.
/// </remarks>
[Criterion("npair", Options = typeof(NPairOptions), AllowedMiners = ["npair"],
    Description = "N-pair loss over the npair miner's anchors, positives and negative sets, with an L2 embedding penalty.")]
public sealed class NPairCriterion(NPairOptions options, TrainingSetup setup, IBatchMiner miner) : Criterion("npair")
{
    /// <summary>The factor the original divides a BN-Inception run's embeddings by.</summary>
    public const double BnInceptionDivisor = 4;

    private readonly bool _scaleDown = setup.ArchitectureName.Contains("bninception", StringComparison.Ordinal);

    public override Tensor forward(CriterionBatch batch)
    {
        using var sets = MinedSetTerms.Mine(miner, batch);
        if (!_scaleDown)
        {
            return Compute(batch.Embeddings, sets, options.L2);
        }
        using var scaled = batch.Embeddings.div(BnInceptionDivisor);
        return Compute(scaled, sets, options.L2);
    }

    public static Tensor Compute(Tensor embeddings, MinedSetTerms sets, double l2)
    {
        if (sets.Count == 0)
        {
            return NPairTerms.Nothing(embeddings);
        }
        using var scope = NewDisposeScope();
        var anchors = embeddings.index_select(0, sets.Anchors);
        var logits = NPairTerms.Logits(anchors, embeddings, sets.Positives);
        var loss = Reducers.LogOnePlusSumExp(logits, sets.Negatives).mean();
        // The original adds l2 * mean|x| / A once per anchor: l2 * mean|x| in total.
        return loss.add(NPairTerms.MeanNorm(embeddings).mul(l2)).MoveToOuterDisposeScope();
    }
}
