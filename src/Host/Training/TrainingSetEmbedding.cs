using NirHost.Abstractions;
using NirHost.Evaluation;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// Embeds the training split for samplers that compose batches from its embeddings, with the evaluation's
/// embedding pass over the split the original uses for it (training images, evaluation transform) and a progress bar.
/// </summary>
internal sealed class TrainingSetEmbedding(Architecture model, DatasetSplits splits, int batchSize, Device device, IRunObserver observer)
{
    public Tensor Embed()
    {
        var split = splits.Evaluation;
        if (split.Count != splits.Training.Count)
        {
            throw new InvalidOperationException(
                $"The dataset's evaluation split ({split.Count} samples) does not mirror its training split ({splits.Training.Count}); " +
                "samplers that embed the training set need them aligned.");
        }
        const string title = "Embedding the training set";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        observer.PhaseProgress(new PhaseProgress(title, 0, split.Count));
        using var data = Evaluator.Embed(model, split, batchSize, device, (done, total) => observer.PhaseProgress(new PhaseProgress(title, done, total)));
        var embeddings = data.Embeddings.clone();
        observer.Notice($"Embedded the training set for the data sampler: {split.Count} samples in {clock.Elapsed.TotalSeconds:0.0}s");
        return embeddings;
    }
}
