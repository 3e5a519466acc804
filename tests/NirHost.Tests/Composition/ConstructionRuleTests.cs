using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Plugins;
using NirHost.Plugins.BatchMiners;
using NirHost.Testing;
using NirHost.Tests.Support;

namespace NirHost.Tests.Composition;

/// <summary>
/// The host and the conformance kit build components by one rule: a constructor the host accepts the kit accepts, a
/// constructor the host refuses the kit refuses for the same reason, and each argument is filled alike.
/// </summary>
public sealed class ConstructionRuleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public sealed class ProbeOptions
    {
        [Flag("probe_depth", Help = "A flag, so that this is an options type.")]
        public int Depth { get; set; } = 3;
    }

    /// <summary>Something no one provides.</summary>
    public sealed class Unlisted;

    /// <summary>A component that says what each constructor argument was (host and kit implement the interfaces differently).</summary>
    public abstract class Probe(params object?[] arguments)
    {
        public string Got { get; } = string.Join(", ", arguments.Select(a => a switch
        {
            null => "null",
            int or string => a.ToString(),
            ComponentSpec spec => $"spec {spec.FullName}",
            ICriterionFactory => nameof(ICriterionFactory),
            ILogger => nameof(ILogger),
            IBatchMiner miner => $"miner {miner.Name}",
            _ => a.GetType().Name,
        }));
    }

    public sealed class EveryService(ProbeOptions options, TrainingSetup setup, ComponentSpec spec, SamplerData data, ICriterionFactory factory,
        DataSettings settings, InputContract input, ILogger<EveryService> logger) : Probe(options, setup, spec, data, factory, settings, input, logger);

    public sealed class TwoConstructors : Probe
    {
        public TwoConstructors() : base("narrow")
        {
        }

        public TwoConstructors(ProbeOptions options, TrainingSetup setup) : base("widest", options, setup)
        {
        }
    }

    public sealed class Defaults(ProbeOptions options, int depth = 7, Unlisted? unlisted = null, string? label = null) : Probe(options, depth, unlisted, label);

    public sealed class NullableUnlisted(Unlisted? unlisted) : Probe(unlisted);

    public sealed class RequiredUnlisted(Unlisted unlisted) : Probe(unlisted);

    /// <summary>The host holds the dataset's splits, but they are not what a component may ask for.</summary>
    public sealed class HostInternal(DatasetSplits splits) : Probe(splits);

    public sealed class WantsMiner(IBatchMiner miner, ProbeOptions options) : Probe(miner, options);

    public sealed class NoPublicConstructor : Probe
    {
        private NoPublicConstructor() : base()
        {
        }
    }

    public sealed class ThrowsInConstructor : Probe
    {
        public ThrowsInConstructor(ProbeOptions options) : base(options) => throw new FormatException($"depth {options.Depth} is not to my liking");
    }

    public static TheoryData<Type, bool, string> Probes => new()
    {
        { typeof(EveryService), false, "built: ProbeOptions, TrainingSetup, spec probe, SamplerData, ICriterionFactory, DataSettings, InputContract, ILogger" },
        { typeof(TwoConstructors), false, "built: widest, ProbeOptions, TrainingSetup" },
        { typeof(Defaults), false, "built: ProbeOptions, 7, null, null" },
        { typeof(NullableUnlisted), false, "built: null" },
        { typeof(RequiredUnlisted), false, "refused: InvalidOperationException: asks for a Unlisted ('unlisted') in its constructor, which the host does not provide" },
        { typeof(HostInternal), false, "refused: InvalidOperationException: asks for a DatasetSplits ('splits') in its constructor, which the host does not provide" },
        { typeof(WantsMiner), true, "built: miner random, ProbeOptions" },
        { typeof(WantsMiner), false, "refused: InvalidOperationException: asks for a IBatchMiner ('miner') in its constructor, which the host does not provide " +
            "to a criterion that declares no AllowedMiners" },
        { typeof(NoPublicConstructor), false, "refused: InvalidOperationException: has no public constructor" },
        { typeof(ThrowsInConstructor), false, "refused: FormatException: depth 3 is not to my liking" },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public void The_host_and_the_kit_accept_and_refuse_the_same_constructors_and_fill_them_alike(Type type, bool withMiner, string expected)
    {
        object[] extra = withMiner ? [new RandomMiner()] : [];
        var attribute = new MetricAttribute("probe") { Options = typeof(ProbeOptions) };
        var catalog = new PluginCatalog([.. HostHarness.Catalog.Components, new ComponentDescriptor(attribute, type, "Probe.dll", "1.0.0")], [], []);
        var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(catalog), HostHarness.TinyRun(_folder.Path, "--synthetic_classes", "4",
            "--synthetic_samples_per_class", "2"));
        using var services = new ServiceCollection().AddLogging().AddNirHostRun(catalog, configuration).BuildServiceProvider();

        var byHost = Outcome(() => services.GetRequiredService<ComponentFactory>().Create<Probe>(ComponentKind.Metric, "probe", "evaluation_metrics", extra),
            e => e is ComponentException { InnerException: { } inner } ? inner : e);
        var byKit = Outcome(() => (Probe)new ConformanceServices(new ConformanceOptions(), TestSetups.Create(), type.Assembly)
            .Create(type, ComponentSpec.Plain("probe"), extra), e => e);

        Assert.Equal(expected, byHost);
        Assert.Equal(byHost, byKit);
    }

    private static string Outcome(Func<Probe> build, Func<Exception, Exception> cause)
    {
        try
        {
            return "built: " + build().Got;
        }
        catch (Exception e)
        {
            var reason = cause(e);
            return $"refused: {reason.GetType().Name}: {reason.Message}";
        }
    }
}
