using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>
/// Embeds a split with the network in eval mode and computes the requested metrics: the union of their
/// <see cref="IMetric.Needs"/> is computed once (one neighbour search per distance, one k-means), then
/// every metric reads from it. With several evaluated outputs (<c>--evaltypes</c>) each is scored on its own.
/// </summary>
public sealed class Evaluator(IReadOnlyList<IMetric> metrics, IReadOnlyList<string>? evaltypes = null)
{
    /// <summary>The embedding, the original's <c>out_dict['embeds']</c>; its metrics keep their plain names.</summary>
    public const string Embeds = "embeds";

    /// <summary>The backbone's pooled features, the original's <c>out_dict['avg_features']</c>.</summary>
    public const string AvgFeatures = "avg_features";

    /// <summary>The outputs <c>--evaltypes</c> may name: the per-sample vectors of the original architectures' output dict.</summary>
    public static readonly IReadOnlyList<string> KnownEvaltypes = [Embeds, AvgFeatures];

    public IReadOnlyList<IMetric> Metrics { get; } = metrics;

    public IReadOnlyList<string> Evaltypes { get; } = evaltypes is { Count: > 0 } ? [.. evaltypes.Distinct(StringComparer.Ordinal)] : [Embeds];

    /// <summary>
    /// The result key of <paramref name="metric"/> on <paramref name="evaltype"/>: the metric's name for the embedding,
    /// <c>evaltype/metric</c> otherwise (the original logs them in groups named <c>evaltype_metric</c>).
    /// </summary>
    public static string Key(string evaltype, string metric) => evaltype == Embeds ? metric : $"{evaltype}/{metric}";

    /// <summary>The evaluated output and metric name of a result key made by <see cref="Key"/>.</summary>
    public static (string Evaltype, string Metric) ParseKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 && KnownEvaltypes.Contains(key[..slash]) ? (key[..slash], key[(slash + 1)..]) : (Embeds, key);
    }

    public EvaluationNeeds Needs => Metrics.Aggregate(EvaluationNeeds.None, (all, metric) => all.Union(metric.Needs));

    /// <param name="extraNeeds">What <paramref name="inspect"/> reads besides the metrics, searched in the same pass.</param>
    /// <param name="inspect">Called with the split's evaluation data after the metrics (the retrieval figure).</param>
    public Dictionary<string, double> Evaluate(Architecture model, IDataSplit split, int batchSize, Device device, Action<int, int>? progress = null,
        EvaluationNeeds? extraNeeds = null, Action<EvaluationData>? inspect = null)
    {
        var needs = extraNeeds is null ? Needs : Needs.Union(extraNeeds);
        using var data = Embed(model, split, batchSize, device, progress, needs.PooledFeatures || Evaltypes.Contains(AvgFeatures));
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var evaltype in Evaltypes)
        {
            using var pooled = evaltype == AvgFeatures ? new EvaluationData(data.PooledFeatures!, [.. data.Labels], data.NumClasses, data.PooledFeatures) : null;
            var evaluated = pooled ?? data;
            foreach (var (name, value) in Compute(evaluated, extraNeeds))
            {
                results[Key(evaltype, name)] = value;
            }
            // The original draws its retrieval figure for every evaluated output into the same file: the last one stays.
            if (evaltype == Evaltypes[^1])
            {
                inspect?.Invoke(evaluated);
            }
        }
        return results;
    }

    public Dictionary<string, double> Compute(EvaluationData data, EvaluationNeeds? extraNeeds = null)
    {
        data.Prepare(extraNeeds is null ? Needs : Needs.Union(extraNeeds));
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            results[metric.Name] = metric.Compute(data);
        }
        return results;
    }

    /// <summary>The metrics of queries searched against a gallery (<see cref="QueryGalleryEvaluationData"/>).</summary>
    public Dictionary<string, double> Compute(QueryGalleryEvaluationData data, EvaluationNeeds? extraNeeds = null)
    {
        data.Prepare(extraNeeds is null ? Needs : Needs.Union(extraNeeds));
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            results[metric.Name] = metric.Compute(data);
        }
        return results;
    }

    /// <summary>
    /// Embeds a dataset's <paramref name="query"/> and <paramref name="gallery"/> splits (labels numbered alike, as
    /// <see cref="DatasetSplits.Query"/> says) and scores the queries against the gallery, per evaluated output.
    /// </summary>
    /// <param name="extraNeeds">What <paramref name="inspect"/> reads besides the metrics, searched in the same pass.</param>
    /// <param name="inspect">Called with the last evaluated output's data after the metrics (the retrieval figure).</param>
    public Dictionary<string, double> EvaluateQueryGallery(Architecture model, IDataSplit query, IDataSplit gallery, int batchSize, Device device,
        Action<int, int>? progress = null, EvaluationNeeds? extraNeeds = null, Action<QueryGalleryEvaluationData>? inspect = null)
    {
        var pooled = Needs.PooledFeatures || Evaltypes.Contains(AvgFeatures);
        var total = query.Count + gallery.Count;
        using var queries = Embed(model, query, batchSize, device, progress is null ? null : (done, _) => progress(done, total), pooled);
        using var galleryData = Embed(model, gallery, batchSize, device, progress is null ? null : (done, _) => progress(query.Count + done, total), pooled);
        var queryLabels = query.Labels.Select(label => (long)label).ToArray();
        var galleryLabels = gallery.Labels.Select(label => (long)label).ToArray();
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var evaltype in Evaltypes)
        {
            var features = evaltype == AvgFeatures;
            using var data = new QueryGalleryEvaluationData(features ? queries.PooledFeatures! : queries.Embeddings, queryLabels,
                features ? galleryData.PooledFeatures! : galleryData.Embeddings, galleryLabels, queries.PooledFeatures);
            foreach (var (name, value) in Compute(data, extraNeeds))
            {
                results[Key(evaltype, name)] = value;
            }
            if (evaltype == Evaltypes[^1])
            {
                inspect?.Invoke(data);
            }
        }
        return results;
    }

    public static EvaluationData Embed(Architecture model, IDataSplit split, int batchSize, Device device, Action<int, int>? progress = null,
        bool pooledFeatures = false)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var embeddings = new List<Tensor>();
            var pooled = new List<Tensor>();
            var indices = Enumerable.Range(0, split.Count).ToArray();
            for (var start = 0; start < split.Count; start += batchSize)
            {
                var length = Math.Min(batchSize, split.Count - start);
                using var batchScope = NewDisposeScope();
                var input = split.LoadBatch(indices.AsSpan(start, length), augmentation: null).to(device);
                var output = model.Forward(input, warmup: false);
                embeddings.Add(output.Embeddings.to(float32).cpu().MoveToOuterDisposeScope());
                if (pooledFeatures)
                {
                    pooled.Add(output.PooledFeatures.to(float32).cpu().MoveToOuterDisposeScope());
                }
                progress?.Invoke(start + length, split.Count);
            }
            return new EvaluationData(cat(embeddings, 0), [.. split.Labels], split.NumClasses, pooledFeatures ? cat(pooled, 0) : null);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
