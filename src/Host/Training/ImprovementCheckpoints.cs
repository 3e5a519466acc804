using System.Globalization;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.IO;
using NirHost.Host.Options;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// <c>--store_improvements</c>, as the original's evaluation does for every split it evaluates (Test, Val, Train): a
/// <c>--storage_metrics</c> value of any evaluated output that beats its best so far on that split writes
/// <c>checkpoint_&lt;split&gt;_&lt;metric&gt;.safetensors</c> with the model and the criterion. Test bests are keyed by the
/// metric name alone, the other splits' by <c>split/metric</c>; the bests travel in the resumable checkpoint.
/// </summary>
internal sealed class ImprovementCheckpoints(EvaluationOptions evaluation, IReadOnlyList<string> evaltypes, ILogger logger)
{
    public Dictionary<string, double> Best { get; set; } = new(StringComparer.Ordinal);

    public void Consider(RunFolder folder, string split, IReadOnlyDictionary<string, double> values, Architecture model, Criterion criterion, int epoch)
    {
        if (!evaluation.StoreImprovements)
        {
            return;
        }
        foreach (var (evaltype, metric) in evaluation.StorageMetrics.SelectMany(m => evaltypes.Select(e => (e, m))))
        {
            var stored = Evaluator.Key(evaltype, metric);
            var key = split == "Test" ? stored : $"{split}/{stored}";
            if (!values.TryGetValue(stored, out var value) || (Best.TryGetValue(key, out var previous) && value <= previous))
            {
                continue;
            }
            Best[key] = value;
            var file = Path.Combine(folder.Path, $"checkpoint_{split}_{stored.Replace('@', '_').Replace('/', '_')}.safetensors");
            SafeTensorsFile.Write(file, Weights(model, criterion), new Dictionary<string, string>
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["metric"] = stored,
                ["value"] = value.ToString("R", CultureInfo.InvariantCulture),
            });
            logger.LogInformation("Stored checkpoint {File} ({Metric} = {Value})", file, stored, value);
        }
    }

    private static Dictionary<string, Tensor> Weights(Architecture model, Criterion criterion)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            tensors["model." + name] = tensor;
        }
        foreach (var (name, tensor) in criterion.state_dict())
        {
            tensors["criterion." + name] = tensor;
        }
        return tensors;
    }
}
