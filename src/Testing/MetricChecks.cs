using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>A metric is finite, lies in its declared range and does not depend on the order of the samples.</summary>
internal static class MetricChecks
{
    private const int Classes = 6;
    private const int PerClass = 10;

    public static void Run(CheckList checks, Type type, MetricAttribute attribute, ConformanceOptions options)
    {
        var fullName = attribute.ExampleArgument is null ? attribute.Name : $"{attribute.Name}@{attribute.ExampleArgument}";
        var spec = attribute.ExampleArgument is null
            ? ComponentSpec.Plain(attribute.Name)
            : new ComponentSpec(fullName, attribute.Name, attribute.ExampleArgument, new HashSet<string>(StringComparer.Ordinal));
        var services = new ConformanceServices(options, ConformanceKit.Setup(options), type.Assembly);
        IMetric? metric = null;
        if (!checks.Run($"is built as {fullName}", () =>
            {
                metric = (IMetric)services.Create(type, spec);
                CheckFailure.Unless(metric.Name == fullName, $"Name is '{metric.Name}', expected the requested '{fullName}'");
                return "";
            }))
        {
            return;
        }

        // Distinct class clusters with some spread: the metric is not trivially perfect, and clustering metrics
        // find the same clusters whatever the sample order.
        var labels = Enumerable.Range(0, Classes * PerClass).Select(i => i / PerClass).ToArray();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7);
        var centres = randn(Classes, 8, generator: generator);
        var embeddings = 3 * centres.index_select(0, tensor(labels.Select(l => (long)l).ToArray())) + 0.8 * randn(labels.Length, 8, generator: generator);
        var value = double.NaN;
        var range = $"[{attribute.Minimum}, {attribute.Maximum}]";
        if (!checks.Run($"is finite and lies in its declared range {range}", () =>
            {
                value = Compute(metric!, embeddings, labels, options);
                CheckFailure.Unless(double.IsFinite(value), $"computed {value}");
                CheckFailure.Unless(value >= attribute.Minimum && value <= attribute.Maximum, $"computed {value:G6}, outside {range}");
                return $"{value:G6}";
            }))
        {
            return;
        }
        if (!attribute.OrderInvariant)
        {
            checks.Skip("is invariant to sample order", "the metric declares OrderInvariant = false");
            return;
        }
        checks.Run("is invariant to sample order", () =>
        {
            // A fixed permutation (37 is coprime to the sample count), so a failure reproduces.
            int[] permutation = [.. Enumerable.Range(0, labels.Length).Select(i => (i * 37 + 11) % labels.Length)];
            var shuffled = embeddings.index_select(0, tensor(permutation.Select(i => (long)i).ToArray()));
            var again = Compute(metric!, shuffled, [.. permutation.Select(i => labels[i])], options);
            CheckFailure.Unless(Math.Abs(again - value) <= 1e-9 * Math.Max(1, Math.Abs(value)),
                $"{value:G9} for the samples in order, {again:G9} for the same samples shuffled");
            return "";
        });
    }

    private static double Compute(IMetric metric, Tensor embeddings, int[] labels, ConformanceOptions options)
    {
        var data = options.EvaluationData?.Invoke(embeddings, labels, Classes) ?? new NearestNeighbourData(embeddings, labels, Classes);
        try
        {
            return metric.Compute(data);
        }
        finally
        {
            (data as IDisposable)?.Dispose();
        }
    }
}
