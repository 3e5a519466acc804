using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Abstractions;

/// <summary>
/// A training objective. Register parameters (proxies, learnable margins) as module parameters and
/// describe how they are trained in <see cref="ParameterGroups"/>.
/// </summary>
public abstract class Criterion(string name) : nn.Module<CriterionBatch, Tensor>(name)
{
    private readonly Dictionary<string, Tensor> _lossTerms = new(StringComparer.Ordinal);

    /// <summary>
    /// The named parts of the last forward's loss as detached scalars (NIR: its flow likelihood and its alignment
    /// term). The host reads them only when the loss stops being finite, to name the term that broke; criteria
    /// with a single term may record none.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> LossTerms => _lossTerms;

    /// <summary>
    /// Records a named part of this forward's loss. The value is kept detached and read lazily, so recording
    /// costs no device synchronisation.
    /// </summary>
    protected void RecordLossTerm(string term, Tensor value)
    {
        var kept = value.detach();
        kept.DetachFromDisposeScope();
        if (_lossTerms.Remove(term, out var previous))
        {
            previous.Dispose();
        }
        _lossTerms[term] = kept;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var term in _lossTerms.Values)
            {
                term.Dispose();
            }
            _lossTerms.Clear();
        }
        base.Dispose(disposing);
    }

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
