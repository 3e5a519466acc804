using NirHost.Abstractions;
using TorchSharp.Modules;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>
/// A criterion with one learnable proxy per class, a [classes, embed_dim] parameter trained in a group of its own:
/// oproxy, proxynca, softmax and arcface. NIR composes onto any of them through <see cref="IProxyCriterion"/>.
/// </summary>
public abstract class ClassProxyCriterion : Criterion, IProxyCriterion
{
    private readonly string _parameterName;

    /// <param name="name">The criterion's module name.</param>
    /// <param name="parameterName">The original's attribute name, so that state dicts and checkpoints read as its did.</param>
    /// <param name="proxies">The initial proxies, drawn by the caller as its original draws them.</param>
    protected ClassProxyCriterion(string name, string parameterName, Parameter proxies) : base(name)
    {
        _parameterName = parameterName;
        // Registered by hand: reflection over the concrete type would not see a field of this base class.
        register_parameter(parameterName, proxies);
    }

    /// <summary>Looked up each time: moving the module to another dtype or device replaces the registered parameter.</summary>
    public Parameter Proxies => get_parameter(_parameterName)
        ?? throw new InvalidOperationException($"{GetName()} has lost its registered parameter '{_parameterName}'.");

    public abstract double ProxyLearningRate(TrainingSetup setup);

    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        yield return new ParameterGroup(_parameterName, [Proxies], ProxyLearningRate(setup));
    }
}
