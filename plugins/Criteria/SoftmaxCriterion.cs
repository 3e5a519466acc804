using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// Normalised softmax (Zhai and Wu 2019): cross-entropy over the similarities of each embedding to normalised
/// class weights, divided by a temperature. The class weights are proxies, trained at <c>--loss_softmax_lr</c>.
/// </summary>
[Criterion("softmax", Options = typeof(SoftmaxOptions),
    Description = "Normalised softmax: temperature-scaled cross-entropy over normalised class proxies.")]
public sealed class SoftmaxCriterion(SoftmaxOptions options, TrainingSetup setup)
    : ClassProxyCriterion("softmax", "class_map", ClassWeights.Uniform(setup.NumClasses, setup.EmbedDim))
{
    private readonly SoftmaxOptions _options = options;

    public override double ProxyLearningRate(TrainingSetup setup) => _options.Lr;

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = batch.Embeddings.mm(nn.functional.normalize(Proxies, dim: 1).t()).div(_options.Temperature);
        return nn.functional.cross_entropy(logits, batch.Labels).MoveToOuterDisposeScope();
    }
}
