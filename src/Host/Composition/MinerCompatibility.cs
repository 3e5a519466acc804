using NirHost.Abstractions;
using NirHost.Host.Plugins;

namespace NirHost.Host.Composition;

/// <summary>
/// Which batch miners a criterion takes. Criteria list the miners they allow (the original's ALLOWED_MINING_OPS), and
/// the original's miners keep exactly those lists. A miner from a plugin, under a name the original does not have, no
/// criterion can list in advance: it is taken by every criterion whose allowed miners mine what it mines, triplets or
/// anchor sets.
/// </summary>
public static class MinerCompatibility
{
    /// <summary>The original's batch miners (its <c>batchminer.BATCHMINING_METHODS</c>).</summary>
    public static IReadOnlySet<string> OriginalMiners { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "random", "semihard", "softhard", "distance", "rho_distance", "npair", "parametric", "lifted", "random_distance", "intra_random",
    };

    /// <summary>
    /// What a miner mines: anchor sets when it implements <see cref="IBatchMiner.MineSets"/> itself (as npair and
    /// lifted), triplets when it leaves that to the interface's default (every triplet as a set of one).
    /// </summary>
    public static MinedKind Mines(Type minerType)
    {
        var map = minerType.GetInterfaceMap(typeof(IBatchMiner));
        var index = Array.FindIndex(map.InterfaceMethods, m => m.Name == nameof(IBatchMiner.MineSets));
        return map.TargetMethods[index].DeclaringType == typeof(IBatchMiner) ? MinedKind.Triplets : MinedKind.AnchorSets;
    }

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
        var mines = Mines(descriptor.Type);
        var takes = criterion.AllowedMiners.Select(installedMiner).OfType<ComponentDescriptor>().Select(d => Mines(d.Type)).Distinct().ToList();
        if (takes.Contains(mines))
        {
            return new MinerDecision(true,
                $"{miner} is a plugin miner (the original has no miner of that name) that mines {Describe(mines)}, as the miners the criterion allows do ({allowed}), so it takes it");
        }
        var wanted = takes.Count == 0 ? "" : $", or a plugin miner of {string.Join(" or ", takes.Select(Describe))}";
        return new MinerDecision(false, $"it allows: {allowed}{wanted} ({miner} mines {Describe(mines)})");
    }

    private static string Describe(MinedKind kind) => kind == MinedKind.Triplets ? "triplets" : "anchor sets";
}

/// <summary>What a batch miner produces for a criterion.</summary>
public enum MinedKind
{
    /// <summary>(anchor, positive, negative) index triplets, <see cref="IBatchMiner.Mine"/>.</summary>
    Triplets,

    /// <summary>Anchors with sets of positives and negatives, <see cref="IBatchMiner.MineSets"/>.</summary>
    AnchorSets,
}

/// <summary>
/// Whether a criterion takes a miner, with what to tell the user: a notice when it takes a plugin miner by what it
/// mines, or why it refuses one.
/// </summary>
public sealed record MinerDecision(bool Takes, string? Detail);
