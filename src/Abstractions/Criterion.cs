using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// A training objective. Register parameters (proxies, learnable margins) as module parameters and
/// describe how they are trained in <see cref="ParameterGroups"/>.
/// </summary>
public abstract class Criterion(string name) : nn.Module<CriterionBatch, Tensor>(name)
{
    /// <summary>
    /// The optimizer groups this criterion contributes (the original's <c>optim_dict_list</c>).
    /// By default every parameter trains at the base learning rate.
    /// </summary>
    public virtual IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        var parameters = this.parameters().ToList();
        if (parameters.Count > 0)
        {
            yield return new ParameterGroup(GetName(), parameters, setup.LearningRate);
        }
    }
}

/// <summary>
/// A criterion built around one proxy per class. Regularizers such as NIR compose onto it: they read the
/// proxies and add the criterion's own loss as the alignment term.
/// </summary>
public interface IProxyCriterion
{
    /// <summary>Raw (unnormalised) proxies, [classes, embed_dim].</summary>
    TorchSharp.Modules.Parameter Proxies { get; }

    /// <summary>Learning rate the proxies train at (the base rate times the criterion's multiplier).</summary>
    double ProxyLearningRate(TrainingSetup setup);
}
