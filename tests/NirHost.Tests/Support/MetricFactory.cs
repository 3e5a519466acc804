using System.Reflection;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Plugins.Metrics;
using static TorchSharp.torch;

namespace NirHost.Tests.Support;

/// <summary>Builds the in-repo metrics by their command-line names, as the host does, without plugin loading.</summary>
public static class MetricFactory
{
    public static IMetric Create(string fullName)
    {
        var at = fullName.IndexOf('@');
        var spec = at < 0
            ? ComponentSpec.Plain(fullName)
            : new ComponentSpec(fullName, fullName[..at], fullName[(at + 1)..], new HashSet<string>());
        var type = typeof(ERecallMetric).Assembly.GetTypes()
            .Single(t => t.GetCustomAttribute<MetricAttribute>()?.Name == spec.Name);
        try
        {
            return (IMetric)Activator.CreateInstance(type, spec)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>Evaluation data over a fixture's features and labels (labels renumbered 0..C-1 in sorted order).</summary>
    public static EvaluationData Data(Tensor features, Tensor labels)
    {
        var raw = labels.to(int64).data<long>().ToArray();
        var classes = raw.Distinct().Order().ToArray();
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        return new EvaluationData(features, raw.Select(l => index[l]).ToArray(), classes.Length);
    }

    public static Dictionary<string, double> Evaluate(EvaluationData data, params string[] names) =>
        new Evaluator(names.Select(Create).ToList()).Compute(data);
}
