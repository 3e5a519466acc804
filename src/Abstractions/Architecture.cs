using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>What a network returns for a batch of inputs.</summary>
public sealed record ArchitectureOutput(Tensor Embeddings, Tensor PooledFeatures)
{
    /// <summary>
    /// The backbone's last feature maps before pooling, [batch, channels, height, width] (the original's
    /// <c>features</c>), for criteria that pool them their own way (S2SD's <c>--loss_s2sd_pool_aggr</c>); null
    /// when the network does not expose them.
    /// </summary>
    public Tensor? FeatureMaps { get; init; }
}

/// <summary>
/// A backbone with an embedding head. Honour the original's suffixes from the <see cref="ComponentSpec"/>:
/// <c>_normalize</c> L2-normalises the embedding, <c>_frozen</c> keeps BatchNorm layers in eval mode.
/// </summary>
public abstract class Architecture(string name) : nn.Module<Tensor, ArchitectureOutput>(name)
{
    /// <summary>The last linear layer, mapping pooled features to the embedding (the original's <c>last_linear</c>).</summary>
    public abstract nn.Module<Tensor, Tensor> EmbeddingHead { get; }

    /// <summary>Width of the pooled features fed to the head.</summary>
    public abstract int PooledDim { get; }

    /// <summary>
    /// Runs the network. During warm-up the backbone runs without gradients so that only the head learns
    /// (the original's <c>warmup</c> argument).
    /// </summary>
    public abstract ArchitectureOutput Forward(Tensor input, bool warmup);

    public override ArchitectureOutput forward(Tensor input) => Forward(input, warmup: false);
}
