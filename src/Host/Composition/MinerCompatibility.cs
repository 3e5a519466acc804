using NirHost.Abstractions;
using NirHost.Host.Plugins;

namespace NirHost.Host.Composition;

/// <summary>
/// Which batch miners a criterion takes. Criteria list the miners they allow (the original's ALLOWED_MINING_OPS), and
/// the original's miners keep exactly those lists. A miner from a plugin, under a name the original does not have, no
/// criterion can list in advance: it is taken by every criterion whose allowed miners mine what it mines, triplets or
/// anchor sets, as each miner declares (<see cref="BatchMinerAttribute.Mines"/>).
/// </summary>
public static class MinerCompatibility
{
    /// <summary>The original's batch miners (its <c>batchminer.BATCHMINING_METHODS</c>).</summary>
    public static IReadOnlySet<string> OriginalMiners { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "random", "semihard", "softhard", "distance", "rho_distance", "npair", "parametric", "lifted", "random_distance", "intra_random",
    };

    /// <summary>
    /// Whether the criterion takes <paramref name="miner"/>; <paramref name="installedMiner"/> finds installed miners by
    /// name, to learn what the criterion's allowed miners mine.
    /// </summary>
    public static MinerDecision Decide(CriterionAttribute criterion, string miner, Func<string, ComponentDescriptor?> installedMiner)
    {
        if (criterion.AllowedMiners.Contains(miner, StringComparer.Ordinal))
        {
            return new MinerDecision(true, null);
        }
        var allowed = string.Join(", ", criterion.AllowedMiners);
        if (OriginalMiners.Contains(miner) || installedMiner(miner) is not { } descriptor)
        {
            return new MinerDecision(false, $"it allows: {allowed}");
        }
        var mines = Mines(descriptor);
        var takes = criterion.AllowedMiners.Select(installedMiner).OfType<ComponentDescriptor>().Select(Mines).Distinct().ToList();
        if (takes.Contains(mines))
        {
            return new MinerDecision(true,
                $"{miner} is a plugin miner (the original has no miner of that name) that mines {Describe(mines)}, as the miners the criterion allows do ({allowed}), so it takes it");
        }
        var wanted = takes.Count == 0 ? "" : $", or a plugin miner of {string.Join(" or ", takes.Select(Describe))}";
        return new MinerDecision(false, $"it allows: {allowed}{wanted} ({miner} mines {Describe(mines)})");
    }

    /// <summary>What an installed miner declares it mines (<see cref="BatchMinerAttribute.Mines"/>).</summary>
    public static MinedKind Mines(ComponentDescriptor miner) => ((BatchMinerAttribute)miner.Attribute).Mines;

    private static string Describe(MinedKind kind) => kind == MinedKind.Triplets ? "triplets" : "anchor sets";
}

/// <summary>
/// Whether a criterion takes a miner, with what to tell the user: a notice when it takes a plugin miner by what it
/// mines, or why it refuses one.
/// </summary>
public sealed record MinerDecision(bool Takes, string? Detail);
