using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Plugins.BatchMiners;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Miners;

/// <summary>
/// The original's miners keep each criterion's allowed list; a plugin miner under a new name is taken by the
/// criteria whose allowed miners mine what it mines, triplets or anchor sets, with a notice.
/// </summary>
public sealed class MinerCompatibilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The in-repo plugins plus the two miners below, as a plugin would add them.</summary>
    private static readonly PluginCatalog Catalog = new(
        [
            .. HostHarness.Catalog.Components,
            new ComponentDescriptor(new BatchMinerAttribute("first_two"), typeof(FirstTwoMiner), "FirstTwo.dll", "1.0.0"),
            new ComponentDescriptor(new BatchMinerAttribute("all_pairs") { Mines = MinedKind.AnchorSets }, typeof(AllPairsMiner), "AllPairs.dll", "1.0.0"),
        ], [], []);

    private static CriterionAttribute Criterion(string name) => (CriterionAttribute)HostHarness.Catalog.Find(ComponentKind.Criterion, name)!.Attribute;

    private static MinerDecision Decide(string criterion, string miner) =>
        MinerCompatibility.Decide(Criterion(criterion), miner, name => Catalog.Find(ComponentKind.BatchMiner, name));

    private static MinedKind Mines(string miner) => MinerCompatibility.Mines(Catalog.Find(ComponentKind.BatchMiner, miner)!);

    [Fact]
    public void A_miner_mines_what_it_declares()
    {
        Assert.Equal(MinedKind.Triplets, Mines("semihard"));
        Assert.Equal(MinedKind.Triplets, Mines("first_two"));
        Assert.Equal(MinedKind.AnchorSets, Mines("npair"));
        Assert.Equal(MinedKind.AnchorSets, Mines("lifted"));
        Assert.Equal(MinedKind.AnchorSets, Mines("all_pairs"));
        // Implementing MineSets is not a declaration: the same type declared without Mines is a triplet miner.
        Assert.Equal(MinedKind.Triplets, MinerCompatibility.Mines(new ComponentDescriptor(new BatchMinerAttribute("undeclared"), typeof(AllPairsMiner), "x.dll", "1.0.0")));

        // The instance says what its declaration says, and its name, as criteria see it.
        IBatchMiner npair = new NPairMiner();
        Assert.Equal((MinedKind.AnchorSets, "npair"), (npair.Mines, npair.Name));
        IBatchMiner distance = new DistanceMiner(new DistanceMinerOptions());
        Assert.Equal((MinedKind.Triplets, "distance"), (distance.Mines, distance.Name));
    }

    [Theory]
    [InlineData("triplet", "npair")]
    [InlineData("npair", "semihard")]
    [InlineData("lifted", "npair")]
    public void The_original_miners_keep_the_original_allowed_lists(string criterion, string miner)
    {
        var decision = Decide(criterion, miner);
        Assert.False(decision.Takes);
        Assert.Equal($"it allows: {string.Join(", ", Criterion(criterion).AllowedMiners)}", decision.Detail);
        Assert.Equal(new MinerDecision(true, null), Decide(criterion, Criterion(criterion).AllowedMiners[0]));
    }

    [Theory]
    [InlineData("triplet", "first_two", true)]
    [InlineData("margin", "first_two", true)]
    [InlineData("npair", "first_two", false)]
    [InlineData("lifted", "all_pairs", true)]
    [InlineData("angular", "all_pairs", true)]
    [InlineData("contrastive", "all_pairs", false)]
    public void A_plugin_miner_is_taken_by_the_criteria_that_take_what_it_mines(string criterion, string miner, bool takes)
    {
        var decision = Decide(criterion, miner);
        var mines = miner == "first_two" ? "triplets" : "anchor sets";
        Assert.Equal(takes, decision.Takes);
        Assert.Contains(takes ? $"{miner} is a plugin miner (the original has no miner of that name) that mines {mines}" : $"({miner} mines {mines})",
            decision.Detail);
        if (!takes)
        {
            Assert.Contains($", or a plugin miner of {(mines == "triplets" ? "anchor sets" : "triplets")}", decision.Detail);
        }
    }

    [Fact]
    public void The_host_builds_a_criterion_with_a_plugin_miner_and_says_why()
    {
        var log = new ListLogger();
        var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), HostHarness.TinyRun(_folder.Path, "--loss", "triplet", "--batch_mining", "first_two"));
        using (var services = new ServiceCollection().AddLogging(b => b.AddProvider(log)).AddNirHostRun(Catalog, configuration).BuildServiceProvider())
        {
            var (criterion, miner, _) = services.GetRequiredService<CriterionWithMiner>();
            using var _ = criterion;
            Assert.IsType<FirstTwoMiner>(miner);
        }
        Assert.Contains(log.Messages, m => m.Contains("--loss triplet with --batch_mining first_two: first_two is a plugin miner", StringComparison.Ordinal));

        // s2sd builds its target criterion once per target branch; the notice is given once per flag.
        var composite = new ListLogger();
        var s2sd = RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), HostHarness.TinyRun(_folder.Path, "--loss", "s2sd", "--loss_s2sd_source", "triplet",
            "--loss_s2sd_target", "triplet", "--loss_s2sd_target_dims", "16", "24", "32", "--batch_mining", "first_two"));
        using (var services = new ServiceCollection().AddLogging(b => b.AddProvider(composite)).AddNirHostRun(Catalog, s2sd).BuildServiceProvider())
        {
            using var _ = services.GetRequiredService<CriterionWithMiner>().Criterion;
        }
        Assert.Single(composite.Messages, m => m.Contains("--loss_s2sd_target triplet with --batch_mining first_two: first_two is a plugin miner", StringComparison.Ordinal));
        Assert.Single(composite.Messages, m => m.Contains("--loss_s2sd_source triplet with --batch_mining first_two: first_two is a plugin miner", StringComparison.Ordinal));

        var refused = RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), HostHarness.TinyRun(_folder.Path, "--loss", "npair", "--batch_mining", "first_two"));
        using var refusing = new ServiceCollection().AddLogging().AddNirHostRun(Catalog, refused).BuildServiceProvider();
        var error = Assert.Throws<CommandLineException>(() => refusing.GetRequiredService<CriterionWithMiner>());
        Assert.Equal("--batch_mining first_two is not allowed for --loss npair; it allows: npair, or a plugin miner of anchor sets (first_two mines triplets).",
            error.Message);

        var typo = RunCommandLine.Parse(RunCommandLine.BuildFlags(Catalog), HostHarness.TinyRun(_folder.Path, "--loss", "triplet", "--batch_mining", "semihrad"));
        using var typing = new ServiceCollection().AddLogging().AddNirHostRun(Catalog, typo).BuildServiceProvider();
        Assert.Contains("did you mean 'semihard'", Assert.Throws<CommandLineException>(() => typing.GetRequiredService<CriterionWithMiner>()).Message);
    }

    /// <summary>A triplet miner from a plugin: each anchor's first other sample of its class, and the first sample of another class.</summary>
    [BatchMiner("first_two")]
    public sealed class FirstTwoMiner : IBatchMiner
    {
        public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
        {
            var classes = labels.cpu().data<long>().ToArray();
            var anchors = new List<long>();
            var positives = new List<long>();
            var negatives = new List<long>();
            for (var a = 0; a < classes.Length; a++)
            {
                var positive = Enumerable.Range(0, classes.Length).FirstOrDefault(j => j != a && classes[j] == classes[a], -1);
                var negative = Enumerable.Range(0, classes.Length).FirstOrDefault(j => classes[j] != classes[a], -1);
                if (positive >= 0 && negative >= 0)
                {
                    anchors.Add(a);
                    positives.Add(positive);
                    negatives.Add(negative);
                }
            }
            return new MinedTriplets([.. anchors], [.. positives], [.. negatives]);
        }
    }

    /// <summary>A set miner from a plugin: every anchor with all its positives and negatives.</summary>
    [BatchMiner("all_pairs", Mines = MinedKind.AnchorSets)]
    public sealed class AllPairsMiner : IBatchMiner
    {
        public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random) => new LiftedMiner().Mine(embeddings, labels, random);

        public MinedSets MineSets(Tensor embeddings, Tensor labels, Random random) => new LiftedMiner().MineSets(embeddings, labels, random);
    }
}
