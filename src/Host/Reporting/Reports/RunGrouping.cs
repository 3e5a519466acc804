using NirHost.Host.Options;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// Sorts runs into groups of one configuration: by <c>--group</c> where a run was given one, otherwise by every flag
/// that shapes the result, so that runs differing only in their seed, where they were saved or the device they ran on
/// are seeds of one configuration.
/// </summary>
public static class RunGrouping
{
    /// <summary>Flags that say where or how a run ran, not what it trained.</summary>
    public static readonly IReadOnlySet<string> IgnoredFlags = new HashSet<string>(StringComparer.Ordinal)
    {
        "seed", "save_path", "savename", "resume", "group", "project", "log_online",
        "device", "gpu", "kernels", "debug", "source_path", "fashion_mnist_path",
    };

    private static readonly string DefaultGroup = new RunOptions().Group;

    /// <summary>The groups, in the order their first run comes in <paramref name="runs"/>; each group's runs by seed.</summary>
    public static IReadOnlyList<RunGroup> Group(IReadOnlyList<RunRecord> runs)
    {
        var keyed = runs.GroupBy(Key, StringComparer.Ordinal).ToList();
        var flags = keyed.Select(group => GroupFlags(group.ToList())).ToList();
        var differing = NamingFlags(flags, DifferingFlags(flags));
        var result = new List<RunGroup>();
        for (var i = 0; i < keyed.Count; i++)
        {
            var members = keyed[i].OrderBy(r => r.Seed ?? int.MaxValue).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            result.Add(new RunGroup(ExplicitGroup(members[0]) ?? Describe(members[0], flags[i], differing), members, flags[i]));
        }
        // Two configurations described alike (their differences lie beyond what the name shows) stay apart, numbered.
        var repeated = result.GroupBy(g => g.Name, StringComparer.Ordinal).Where(same => same.Count() > 1).Select(same => same.Key).ToHashSet(StringComparer.Ordinal);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        return [.. result.Select(g => repeated.Contains(g.Name) ? g with { Name = $"{g.Name} ({numbers[g.Name] = numbers.GetValueOrDefault(g.Name) + 1})" } : g)];
    }

    /// <summary>Flags (outside <see cref="IgnoredFlags"/>) whose values are not the same in every group, in flag order.</summary>
    public static IReadOnlyList<string> DifferingFlags(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlyList<string>>> groups)
    {
        var names = groups.SelectMany(g => g.Keys).Distinct(StringComparer.Ordinal);
        return [.. names.Where(name => groups.Select(g => Joined(g, name)).Distinct(StringComparer.Ordinal).Skip(1).Any())];
    }

    /// <summary>
    /// The fewest differing flags, taken in flag order, that tell the groups apart: with <c>--loss nir</c> against
    /// <c>--loss oproxy</c>, the loss alone names them, though their NIR flags differ too (the flags table lists those).
    /// </summary>
    private static List<string> NamingFlags(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlyList<string>>> groups, IReadOnlyList<string> differing)
    {
        var chosen = new List<string>();
        int Distinct(IEnumerable<string> names) => groups.Select(g => string.Join('\n', names.Select(f => Joined(g, f)))).Distinct(StringComparer.Ordinal).Count();
        foreach (var flag in differing)
        {
            if (Distinct(chosen) == groups.Count)
            {
                break;
            }
            if (Distinct([.. chosen, flag]) > Distinct(chosen))
            {
                chosen.Add(flag);
            }
        }
        return chosen;
    }

    /// <summary>A group's values of <paramref name="flag"/> as one text ("-" where its runs do not have it).</summary>
    public static string Joined(IReadOnlyDictionary<string, IReadOnlyList<string>> flags, string flag) =>
        flags.TryGetValue(flag, out var values) ? string.Join(" / ", values) : "-";

    private static string? ExplicitGroup(RunRecord run) =>
        run.Flags.TryGetValue("group", out var group) && group.Length > 0 && group != DefaultGroup ? group : null;

    private static string Key(RunRecord run) => ExplicitGroup(run) is { } group
        ? "group\n" + group
        : "flags\n" + string.Join('\n', run.Flags.Where(f => !IgnoredFlags.Contains(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => f.Key + "=" + f.Value));

    private static Dictionary<string, IReadOnlyList<string>> GroupFlags(IReadOnlyList<RunRecord> runs)
    {
        var flags = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var name in runs.SelectMany(r => r.Flags.Keys).Where(f => !IgnoredFlags.Contains(f)).Distinct(StringComparer.Ordinal))
        {
            flags[name] = [.. runs.Select(r => r.Flags.GetValueOrDefault(name, "-")).Distinct(StringComparer.Ordinal)];
        }
        return flags;
    }

    /// <summary>
    /// A group without <c>--group</c> is named by the flags that set it apart (<c>--loss nir --lr 1e-05</c>); a lone
    /// configuration by its loss and dataset, what a reader asks first.
    /// </summary>
    private static string Describe(RunRecord run, IReadOnlyDictionary<string, IReadOnlyList<string>> flags, IReadOnlyList<string> differing)
    {
        const int Shown = 4;
        if (differing.Count == 0)
        {
            return $"{run.Flags.GetValueOrDefault("loss", "?")} on {run.Flags.GetValueOrDefault("dataset", "?")}";
        }
        var parts = differing.Take(Shown).Select(flag => $"--{flag} {Joined(flags, flag)}");
        return string.Join(' ', parts) + (differing.Count > Shown ? " ..." : "");
    }
}
