using NirHost.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace NirPlugin;

/// <summary>
/// An example criterion to start from: a contrastive loss on cosine similarities. Pairs of one class are
/// pulled together, pairs of different classes pushed below --loss_nirplugin_margin. Replace forward() with
/// your loss; register learnable tensors as fields (they train with the model) and declare flags in
/// <see cref="NirPluginOptions"/>. It compares all pairs itself, so it needs no batch miner; a criterion that learns
/// from mined tuples lists the miners it takes (<c>AllowedMiners = ["semihard", "distance"]</c>) and takes an
/// <see cref="IBatchMiner"/> in its constructor, which the host builds from --batch_mining first; in forward it mines
/// with <c>miner.Mine(batch.Embeddings.detach(), batch.Labels, batch.Random)</c>.
/// </summary>
[Criterion("nirplugin", Options = typeof(NirPluginOptions), Description = "Contrastive loss on cosine similarities (template example).")]
public sealed class NirPluginCriterion(NirPluginOptions options, TrainingSetup setup) : Criterion("nirplugin")
{
    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var embeddings = nn.functional.normalize(batch.Embeddings, dim: 1);
        var similarity = embeddings.mm(embeddings.t());
        var labels = batch.Labels.to(embeddings.device);
        var sameClass = labels.unsqueeze(0).eq(labels.unsqueeze(1));
        var notSelf = eye(labels.shape[0], dtype: ScalarType.Bool, device: embeddings.device).logical_not();
        var positives = sameClass.logical_and(notSelf).to(similarity.dtype);
        var negatives = sameClass.logical_not().to(similarity.dtype);

        // Means over the pairs that exist, so a batch without positives (or negatives) still gives a finite loss.
        var pull = ((1 - similarity) * positives).sum() / positives.sum().clamp_min(1);
        var push = (nn.functional.relu(similarity - options.Margin) * negatives).sum() / negatives.sum().clamp_min(1);
        return (pull + push).MoveToOuterDisposeScope();
    }

    /// <summary>The embedding size the run uses, available to criteria that create parameters (proxies, say).</summary>
    public int EmbedDim => setup.EmbedDim;
}
