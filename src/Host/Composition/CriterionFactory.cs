using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Options;

namespace NirHost.Host.Composition;

/// <summary>
/// Builds criteria by name. As in the original (<c>criteria.select(loss, opt, to_optim, batchminer)</c>), a criterion that
/// needs a batch miner gets it as a constructor argument, built first; one it does not allow is refused before anything
/// trains. A plugin miner under a name of its own is taken by the criteria whose allowed miners mine what it mines
/// (<see cref="MinerCompatibility"/>), with a logged notice.
/// </summary>
public sealed class CriterionFactory(ComponentFactory factory, ComponentSelectionOptions selection, ILogger? logger = null) : ICriterionFactory
{
    // A composite criterion (s2sd's target branches) builds the same flag's criterion several times: one notice says it.
    private readonly HashSet<(string Flag, string Criterion)> _noticed = [];

    public Criterion Create(string name, TrainingSetup setup, string flag) => CreateWithMiner(name, setup, flag).Criterion;

    /// <summary>The criterion and the miner it was given (null when it needs none), which the trainer checkpoints.</summary>
    public (Criterion Criterion, IBatchMiner? Miner) CreateWithMiner(string name, TrainingSetup setup, string flag)
    {
        var descriptor = factory.Resolve(ComponentKind.Criterion, ComponentSpec.Plain(name), flag);
        var attribute = (CriterionAttribute)descriptor.Attribute;
        if (!attribute.RequiresBatchMiner)
        {
            return (factory.Create<Criterion>(ComponentKind.Criterion, name, flag, setup), null);
        }
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
        var miner = factory.Create<IBatchMiner>(ComponentKind.BatchMiner, selection.BatchMining, "batch_mining");
        return (factory.Create<Criterion>(ComponentKind.Criterion, name, flag, setup, miner), miner);
    }
}
