using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Tests.Support;

/// <summary>
/// A batch miner that returns given tuples (and, for set criteria, given anchor sets): criterion parity against
/// tuples the original's miner drew.
/// </summary>
public sealed class FixedMiner(MinedTriplets triplets, MinedSets? sets = null) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random) => triplets;

    public MinedSets MineSets(Tensor embeddings, Tensor labels, Random random) =>
        sets ?? MinedSets.FromTriplets(triplets, embeddings.shape[0], embeddings.device);
}
