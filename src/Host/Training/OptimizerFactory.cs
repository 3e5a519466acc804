using NirHost.Abstractions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// The optimizers of <c>--optim</c>: <c>adam</c> as the original (PyTorch's defaults: betas 0.9/0.999, eps 1e-8,
/// L2 weight decay per group) and <c>sgd</c> with momentum 0.9, as Revisiting_Deep_Metric_Learning_PyTorch
/// (the code the original is built on) offers it.
/// </summary>
public static class OptimizerFactory
{
    public static readonly string[] Names = ["adam", "sgd"];

    public static OptimizerHelper Create(string name, IReadOnlyList<ParameterGroup> groups) => name switch
    {
        "adam" => optim.Adam(groups.Select(g => new Adam.ParamGroup(
            g.Parameters, lr: g.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: g.WeightDecay ?? 0)).ToList()),
        "sgd" => optim.SGD(groups.Select(g => new SGD.ParamGroup(
            g.Parameters, lr: g.LearningRate, momentum: 0.9, weight_decay: g.WeightDecay ?? 0)).ToList(), groups.Count > 0 ? groups[0].LearningRate : 0),
        _ => throw new ArgumentException($"--optim {name} is not available; choose one of: {string.Join(", ", Names)}.", nameof(name)),
    };
}
