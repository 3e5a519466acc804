using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Options;

namespace NirHost.Host.Composition;

/// <summary>
/// Builds criteria by name with the miner they run with. As in the original, a criterion that needs a batch
/// miner refuses one it does not allow, before anything trains.
/// </summary>
public sealed class CriterionFactory(ComponentFactory factory, ComponentSelectionOptions selection) : ICriterionFactory
{
    public BuiltCriterion Create(string name, TrainingSetup setup, string flag)
    {
        var descriptor = factory.Resolve(ComponentKind.Criterion, ComponentSpec.Plain(name), flag);
        var attribute = (CriterionAttribute)descriptor.Attribute;
        IBatchMiner? miner = null;
        if (attribute.RequiresBatchMiner)
        {
            if (!attribute.AllowedMiners.Contains(selection.BatchMining, StringComparer.Ordinal))
            {
                throw new CommandLineException(
                    $"--batch_mining {selection.BatchMining} is not allowed for --{flag} {name}; it allows: {string.Join(", ", attribute.AllowedMiners)}.");
            }
            miner = factory.Create<IBatchMiner>(ComponentKind.BatchMiner, selection.BatchMining, "batch_mining");
        }
        return new BuiltCriterion(factory.Create<Criterion>(ComponentKind.Criterion, name, flag, setup), miner);
    }
}
