using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// Turns one condition (NIR: each sample's normalised class proxy) into the list of conditions a
/// <see cref="ConditionalFlow"/> takes, per <see cref="ConditionMode"/>. The embedding MLPs are
/// Linear-ReLU-Linear of the condition's width, under the original's name <c>embedder</c>.
/// </summary>
public sealed class ConditionPreparation : nn.Module<Tensor, IReadOnlyList<Tensor>>
{
    private readonly nn.Module? embedder;
    private readonly string _mode;
    private readonly int _blocks;

    public ConditionPreparation(int conditionDim, int blocks, string mode) : base("NormflowCondPrep")
    {
        ConditionMode.Validate(mode);
        _mode = mode;
        _blocks = blocks;
        embedder = mode switch
        {
            ConditionMode.DenseEmbed => Embedder(conditionDim),
            ConditionMode.DenseEmbedMulti or ConditionMode.DenseEmbedMultiStacked =>
                nn.ModuleList(Enumerable.Range(0, blocks).Select(_ => Embedder(conditionDim)).ToArray()),
            _ => null,
        };
        RegisterComponents();
    }

    public override IReadOnlyList<Tensor> forward(Tensor condition)
    {
        switch (_mode)
        {
            case ConditionMode.Dense:
                return Enumerable.Repeat(condition, _blocks).ToList();
            case ConditionMode.DenseEmbed:
            {
                var embedded = ((Sequential)embedder!).call(condition);
                return Enumerable.Repeat(embedded, _blocks).ToList();
            }
            case ConditionMode.DenseEmbedMulti:
                return ((ModuleList<Sequential>)embedder!).Select(e => e.call(condition)).ToList();
            case ConditionMode.DenseEmbedMultiStacked:
            {
                var outputs = new List<Tensor>(_blocks);
                var current = condition;
                foreach (var e in (ModuleList<Sequential>)embedder!)
                {
                    current = e.call(current);
                    outputs.Add(current);
                }
                return outputs;
            }
            default:
                // start, mid, end: the one conditioned block sees the condition as it is.
                return [condition];
        }
    }

    private static Sequential Embedder(int dim) =>
        nn.Sequential(("0", nn.Linear(dim, dim)), ("1", nn.ReLU()), ("2", nn.Linear(dim, dim)));
}
