using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>Index tuples into the batch: anchors with a positive and a negative each.</summary>
public sealed record MinedTriplets(long[] Anchors, long[] Positives, long[] Negatives)
{
    public int Count => Anchors.Length;
}

/// <summary>
/// Anchors with a set of positives and a set of negatives each, as the original's <c>npair</c> and
/// <c>lifted</c> miners return them. Row i of the boolean [anchors, batch] masks marks the positives and the
/// negatives of anchor <c>Anchors[i]</c>; the masks live on the device of the mined embeddings.
/// </summary>
public sealed record MinedSets(long[] Anchors, Tensor Positives, Tensor Negatives)
{
    public int Count => Anchors.Length;

    /// <summary>Each triplet as an anchor whose positive and negative sets hold one sample each.</summary>
    public static MinedSets FromTriplets(MinedTriplets triplets, long batchSize, Device device)
    {
        return new MinedSets(triplets.Anchors, OneHot(triplets.Positives), OneHot(triplets.Negatives));

        Tensor OneHot(long[] indices) =>
            nn.functional.one_hot(tensor(indices, device: device), batchSize).to_type(ScalarType.Bool);
    }
}

/// <summary>
/// Chooses which tuples of a batch a tuple-based criterion learns from. The host builds the run's miner
/// (<c>--batch_mining</c>) before the criterion and hands it to the criterion's constructor, as the original's
/// <c>criteria.select(loss, opt, to_optim, batchminer)</c> does; only criteria that declare
/// <see cref="CriterionAttribute.AllowedMiners"/> get one.
/// </summary>
public interface IBatchMiner
{
    /// <summary>What this miner mines, as its <see cref="BatchMinerAttribute.Mines"/> declares.</summary>
    MinedKind Mines => Declaration?.Mines ?? MinedKind.Triplets;

    /// <summary>
    /// The name it is selected by (its <see cref="BatchMinerAttribute"/>'s), for criteria that the original adjusts per
    /// miner (the SNR loss drops its regulariser with <c>distance</c>, as the original tests <c>batchminer.name</c>).
    /// A miner that wraps another returns the wrapped one's.
    /// </summary>
    string Name => Declaration?.Name ?? GetType().Name;

    /// <summary>Mines the batch. Any sampling draws from <paramref name="random"/>, reseeded every epoch.</summary>
    MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random);

    /// <summary>
    /// Mines anchors with sets of positives and negatives (what npair- and lifted-style criteria consume).
    /// Set miners implement it; by default every mined triplet becomes an anchor with one positive and one negative.
    /// </summary>
    MinedSets MineSets(Tensor embeddings, Tensor labels, Random random) =>
        MinedSets.FromTriplets(Mine(embeddings, labels, random), embeddings.shape[0], embeddings.device);

    private BatchMinerAttribute? Declaration =>
        GetType().GetCustomAttributes(typeof(BatchMinerAttribute), inherit: false) is [BatchMinerAttribute declared, ..] ? declared : null;
}
