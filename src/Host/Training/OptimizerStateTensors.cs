using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// An optimizer's per-parameter state (Adam's moments and step counts, SGD's momentum buffers) as named
/// tensors, so that it goes into the same safetensors checkpoint as the weights. TorchSharp's own optimizer
/// serialisation is a private binary format; this keeps checkpoints in one open format.
/// </summary>
/// <remarks>
/// Entries are keyed <c>optimizer.&lt;index&gt;.&lt;field&gt;</c>, the index counting parameters over the parameter
/// groups in order, which is stable for a run rebuilt from the same flags.
/// </remarks>
public static class OptimizerStateTensors
{
    public const string Prefix = "optimizer.";

    /// <summary>The state tensors (views of the live state, not copies; the caller writes them out at once).</summary>
    public static Dictionary<string, Tensor> Capture(OptimizerHelper optimizer)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var states = optimizer.state_dict().State;
        for (var i = 0; i < states.Count; i++)
        {
            var key = $"{Prefix}{i}.";
            switch (states[i])
            {
                case Adam.State adam:
                    result[key + "step"] = tensor(adam.step);
                    result[key + "exp_avg"] = adam.exp_avg;
                    result[key + "exp_avg_sq"] = adam.exp_avg_sq;
                    if (adam.max_exp_avg_sq is not null)
                    {
                        result[key + "max_exp_avg_sq"] = adam.max_exp_avg_sq;
                    }
                    break;
                case SGD.State sgd:
                    if (sgd.momentum_buffer is not null)
                    {
                        result[key + "momentum_buffer"] = sgd.momentum_buffer;
                    }
                    break;
                default:
                    throw new NotSupportedException($"Checkpoints do not know the state of optimizer {optimizer.GetType().Name}.");
            }
        }
        return result;
    }

    /// <summary>Copies saved state into the optimizer's live state; any mismatch is an error naming the entry.</summary>
    public static void Restore(OptimizerHelper optimizer, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var states = optimizer.state_dict().State;
        var parameters = optimizer.parameters().ToList();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        using var _ = no_grad();
        for (var i = 0; i < states.Count; i++)
        {
            var key = $"{Prefix}{i}.";
            switch (states[i])
            {
                case Adam.State adam:
                    adam.step = Take(tensors, key + "step", source, expected, null).item<long>();
                    CopyInto(adam.exp_avg, Take(tensors, key + "exp_avg", source, expected, adam.exp_avg));
                    CopyInto(adam.exp_avg_sq, Take(tensors, key + "exp_avg_sq", source, expected, adam.exp_avg_sq));
                    if (adam.max_exp_avg_sq is not null)
                    {
                        CopyInto(adam.max_exp_avg_sq, Take(tensors, key + "max_exp_avg_sq", source, expected, adam.max_exp_avg_sq));
                    }
                    break;
                case SGD.State sgd:
                    if (tensors.ContainsKey(key + "momentum_buffer"))
                    {
                        var buffer = Take(tensors, key + "momentum_buffer", source, expected, parameters[i]);
                        sgd.momentum_buffer?.Dispose();
                        sgd.momentum_buffer = buffer.to(parameters[i].device).clone().DetachFromDisposeScope();
                    }
                    break;
                default:
                    throw new NotSupportedException($"Checkpoints do not know the state of optimizer {optimizer.GetType().Name}.");
            }
        }
        var unexpected = tensors.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && !expected.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{source}: optimizer state for parameters this run does not have ({string.Join(", ", unexpected.Take(5))}); was it written by another configuration?");
        }
    }

    private static Tensor Take(IReadOnlyDictionary<string, Tensor> tensors, string key, string source, HashSet<string> expected, Tensor? like)
    {
        if (!tensors.TryGetValue(key, out var value))
        {
            throw new InvalidDataException($"{source}: the optimizer state lacks '{key}'; was it written by another configuration?");
        }
        if (like is not null && !value.shape.SequenceEqual(like.shape))
        {
            throw new InvalidDataException(
                $"{source}: '{key}' has shape [{string.Join(", ", value.shape)}], the run's parameter has [{string.Join(", ", like.shape)}].");
        }
        expected.Add(key);
        return value;
    }

    private static void CopyInto(Tensor target, Tensor source) => target.copy_(source);
}
