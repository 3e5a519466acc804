using TorchSharp.Modules;

namespace NirHost.Abstractions;

/// <summary>
/// Parameters trained with their own learning rate, as an entry of the original's <c>optim_dict_list</c>.
/// A null weight decay means none (the original adds criterion groups without <c>weight_decay</c>).
/// </summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRate, double? WeightDecay = null);
