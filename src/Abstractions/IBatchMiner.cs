using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>Index tuples into the batch: anchors with a positive and a negative each.</summary>
public sealed record MinedTriplets(long[] Anchors, long[] Positives, long[] Negatives)
{
    public int Count => Anchors.Length;
}

/// <summary>Chooses which tuples of a batch a tuple-based criterion learns from.</summary>
public interface IBatchMiner
{
    /// <summary>Mines the batch. Any sampling draws from <paramref name="random"/>, reseeded every epoch.</summary>
    MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random);
}
