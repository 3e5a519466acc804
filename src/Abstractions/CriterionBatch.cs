using TorchSharp;

namespace NirHost.Abstractions;

/// <summary>What a criterion sees of one training step.</summary>
public sealed record CriterionBatch(torch.Tensor Embeddings, torch.Tensor Labels)
{
    /// <summary>Pooled backbone features before the embedding layer (the original's <c>avg_batch_features</c>).</summary>
    public torch.Tensor? PooledFeatures { get; init; }

    /// <summary>
    /// The backbone's unpooled feature maps, [batch, channels, height, width] (the original's <c>batch_features</c>),
    /// when the architecture exposes them (<see cref="ArchitectureOutput.FeatureMaps"/>).
    /// </summary>
    public torch.Tensor? FeatureMaps { get; init; }

    /// <summary>The training epoch, counted from 0.</summary>
    public int Epoch { get; init; }

    /// <summary>
    /// The epoch's seeded random source, for criteria that sample and for the miner a criterion was built with
    /// (pass it to <see cref="IBatchMiner.Mine"/>).
    /// </summary>
    public Random Random { get; init; } = Random.Shared;
}
