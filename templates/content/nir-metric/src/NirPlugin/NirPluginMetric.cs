using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>
/// An example metric to start from: precision among the --metric_nirplugin_k nearest neighbours by cosine
/// similarity (the fraction of them that share the query's class). The host computes neighbours once for all
/// metrics; ask for them through <see cref="NeighboursNeeded"/>. Declare the range so tools can check it.
/// </summary>
[Metric("nirplugin", Options = typeof(NirPluginOptions), Minimum = 0, Maximum = 1,
    Description = "Precision among the k nearest cosine neighbours (template example).")]
public sealed class NirPluginMetric(NirPluginOptions options, ComponentSpec spec) : IMetric
{
    public string Name { get; } = spec.FullName;

    public (int Euclidean, int Cosine) NeighboursNeeded => (0, options.K);

    public double Compute(IEvaluationData data)
    {
        var neighbours = data.NearestNeighbourLabels(options.K, cosine: true);
        var hits = 0;
        for (var i = 0; i < data.Labels.Count; i++)
        {
            for (var j = 0; j < options.K; j++)
            {
                hits += neighbours[i, j] == data.Labels[i] ? 1 : 0;
            }
        }
        return hits / (double)(data.Labels.Count * options.K);
    }
}
