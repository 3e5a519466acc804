using NirHost.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.TestPlugins.Faulty;

/// <summary>
/// A normalised-softmax proxy criterion that fails on purpose at a chosen training step (counted over the whole
/// run from 0), so tests can watch the host handle each kind of fault where it appears.
/// </summary>
[Criterion("faulty", Options = typeof(FaultyOptions), Description = "Proxy softmax loss that fails on purpose at a chosen step.")]
public sealed class FaultyCriterion : Criterion
{
    /// <summary>The recorded loss term that turns NaN with --faulty_nan_at_step.</summary>
    public const string PoisonTerm = "poison";

    private readonly FaultyOptions _options;
    private readonly Parameter proxies;
    private int _step;

    public FaultyCriterion(FaultyOptions options, TrainingSetup setup) : base("faulty")
    {
        _options = options;
        proxies = new Parameter(randn(setup.NumClasses, setup.EmbedDim).div_(8));
        register_parameter(nameof(proxies), proxies);
    }

    public override Tensor forward(CriterionBatch batch)
    {
        var step = _step++;
        if (step == _options.ThrowAtStep)
        {
            throw new InvalidOperationException($"deliberate failure at step {step}");
        }
        if (step == _options.AllocateAtStep)
        {
            // A real native allocation failure: far more memory than any machine has.
            using var impossible = empty([1L << 50], dtype: float32, device: batch.Embeddings.device);
        }
        using var scope = NewDisposeScope();
        var logits = batch.Embeddings.mm(nn.functional.normalize(proxies, dim: 1).t()).mul(16);
        var crossEntropy = nn.functional.cross_entropy(logits, batch.Labels);
        var poison = step == _options.NanAtStep ? tensor(double.NaN, dtype: crossEntropy.dtype) : zeros_like(crossEntropy);
        RecordLossTerm("cross-entropy", crossEntropy);
        RecordLossTerm(PoisonTerm, poison);
        return crossEntropy.add(poison).MoveToOuterDisposeScope();
    }
}
