using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Options;

namespace NirHost.Host.Composition;

/// <summary>
/// Builds criteria by name with the miner they run with. As in the original, a criterion that needs a batch
/// miner refuses one it does not allow, before anything trains; a plugin miner under a name of its own is taken by
/// the criteria whose allowed miners mine what it mines (<see cref="MinerCompatibility"/>), with a logged notice.
/// </summary>
public sealed class CriterionFactory(ComponentFactory factory, ComponentSelectionOptions selection, ILogger? logger = null) : ICriterionFactory
{
    // A composite criterion (s2sd's target branches) builds the same flag's criterion several times: one notice says it.
    private readonly HashSet<(string Flag, string Criterion)> _noticed = [];

    public BuiltCriterion Create(string name, TrainingSetup setup, string flag)
    {
        var descriptor = factory.Resolve(ComponentKind.Criterion, ComponentSpec.Plain(name), flag);
        var attribute = (CriterionAttribute)descriptor.Attribute;
        IBatchMiner? miner = null;
        if (attribute.RequiresBatchMiner)
        {
            var decision = MinerCompatibility.Decide(attribute, selection.BatchMining, other => factory.Find(ComponentKind.BatchMiner, other));
            if (!decision.Takes)
            {
                // A miner that is not installed at all is named as such, with the closest installed name.
                factory.Resolve(ComponentKind.BatchMiner, ComponentSpec.Plain(selection.BatchMining), "batch_mining");
                throw new CommandLineException($"--batch_mining {selection.BatchMining} is not allowed for --{flag} {name}; {decision.Detail}.");
            }
            if (decision.Detail is not null && _noticed.Add((flag, name)))
            {
                logger?.LogInformation("--{Flag} {Criterion} with --batch_mining {Miner}: {Notice}.", flag, name, selection.BatchMining, decision.Detail);
            }
            miner = factory.Create<IBatchMiner>(ComponentKind.BatchMiner, selection.BatchMining, "batch_mining");
        }
        return new BuiltCriterion(factory.Create<Criterion>(ComponentKind.Criterion, name, flag, setup), miner);
    }
}
