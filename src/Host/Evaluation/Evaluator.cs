using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Evaluation;

/// <summary>Embeds a split with the network in eval mode and computes the requested metrics in one pass.</summary>
public sealed class Evaluator(IReadOnlyList<IMetric> metrics)
{
    public IReadOnlyList<IMetric> Metrics { get; } = metrics;

    public Dictionary<string, double> Evaluate(Architecture model, IDataSplit split, int batchSize, Device device, Action<int, int>? progress = null)
    {
        using var data = Embed(model, split, batchSize, device, progress);
        return Compute(data);
    }

    public Dictionary<string, double> Compute(EvaluationData data)
    {
        data.Prepare(
            Metrics.Select(m => m.NeighboursNeeded.Euclidean).DefaultIfEmpty(0).Max(),
            Metrics.Select(m => m.NeighboursNeeded.Cosine).DefaultIfEmpty(0).Max());
        return Metrics.ToDictionary(m => m.Name, m => m.Compute(data));
    }

    public static EvaluationData Embed(Architecture model, IDataSplit split, int batchSize, Device device, Action<int, int>? progress = null)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var chunks = new List<Tensor>();
            var indices = Enumerable.Range(0, split.Count).ToArray();
            for (var start = 0; start < split.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, split.Count - start);
                var input = split.LoadBatch(indices.AsSpan(start, length), augmentation: null).to(device);
                var embeddings = model.Forward(input, warmup: false).Embeddings.to(float32).cpu();
                chunks.Add(embeddings.MoveToOuterDisposeScope());
                progress?.Invoke(start + length, split.Count);
            }
            var all = cat(chunks, 0);
            foreach (var chunk in chunks)
            {
                chunk.Dispose();
            }
            var data = new EvaluationData(all, [.. split.Labels], split.NumClasses);
            if (!ReferenceEquals(all, data.Embeddings))
            {
                all.Dispose();
            }
            return data;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
