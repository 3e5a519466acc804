namespace NirHost.Abstractions;

/// <summary>
/// Marks a class as a NirHost component. The host finds components by this attribute, checks that the
/// kind matches the plugin folder, and builds the component as <see cref="ComponentActivator"/> says: its constructor
/// may take its options type, <see cref="TrainingSetup"/>, <see cref="ComponentSpec"/>, <c>ILogger&lt;T&gt;</c> and
/// what its kind is given (a criterion its <see cref="IBatchMiner"/>, a dataset <see cref="DataSettings"/> and
/// <see cref="InputContract"/>, ...).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public abstract class ComponentAttribute(ComponentKind kind, string name) : Attribute
{
    public ComponentKind Kind { get; } = kind;

    /// <summary>The name users select it by, as in the original (<c>--loss oproxy</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The options type whose <see cref="FlagAttribute"/> properties become command-line flags.</summary>
    public Type? Options { get; init; }

    public string Description { get; init; } = "";
}

public sealed class CriterionAttribute(string name) : ComponentAttribute(ComponentKind.Criterion, name)
{
    /// <summary>
    /// Batch miners this criterion accepts; empty when it needs none (the original's ALLOWED_MINING_OPS). A criterion
    /// that lists any takes the run's <see cref="IBatchMiner"/> as a constructor argument.
    /// </summary>
    public string[] AllowedMiners { get; init; } = [];

    public bool RequiresBatchMiner => AllowedMiners.Length > 0;

    /// <summary>
    /// Name of a numeric flag (without dashes) that makes this criterion a regularizer of other proxy criteria:
    /// when the user gives that flag explicitly with a value &gt; 0 and <c>--loss</c> names another criterion that
    /// implements <see cref="IProxyCriterion"/>, the host builds that criterion first and then this one around it,
    /// passing it as a constructor argument of type <see cref="IProxyCriterion"/>. Null for ordinary criteria.
    /// </summary>
    public string? ComposesOntoProxyCriteriaWith { get; init; }
}

public sealed class BatchMinerAttribute(string name) : ComponentAttribute(ComponentKind.BatchMiner, name)
{
    /// <summary>
    /// False for miners that deliberately pair samples against their labels (the original's <c>rho_distance</c>,
    /// <c>random_distance</c> and <c>intra_random</c> ablations); the conformance kit then checks only that the
    /// mined indices lie in the batch, not that positives share the anchor's class and negatives do not.
    /// </summary>
    public bool FollowsLabels { get; init; } = true;

    /// <summary>
    /// What the miner mines: <see cref="MinedKind.AnchorSets"/> when <see cref="IBatchMiner.MineSets"/> is its real
    /// output (npair, lifted), <see cref="MinedKind.Triplets"/> (the default) otherwise. Declared here so that the host
    /// can offer a plugin miner to the criteria whose allowed miners mine the same kind before building anything.
    /// </summary>
    public MinedKind Mines { get; init; } = MinedKind.Triplets;
}

public sealed class SamplerAttribute(string name) : ComponentAttribute(ComponentKind.Sampler, name)
{
    /// <summary>
    /// Set when every class in a batch appears a multiple of <c>--samples_per_class</c> times (the original's
    /// class-based samplers); the conformance kit then checks it.
    /// </summary>
    public bool RespectsSamplesPerClass { get; init; }
}

public sealed class DatasetAttribute(string name) : ComponentAttribute(ComponentKind.Dataset, name);

/// <summary>A metric named <c>name</c>, selected as <c>name</c> or <c>name@argument</c> (<c>e_recall@4</c>).</summary>
public sealed class MetricAttribute(string name) : ComponentAttribute(ComponentKind.Metric, name)
{
    /// <summary>Smallest value the metric can take (inclusive); unbounded unless declared.</summary>
    public double Minimum { get; init; } = double.NegativeInfinity;

    /// <summary>Largest value the metric can take (inclusive); unbounded unless declared.</summary>
    public double Maximum { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// False for metrics whose value depends on the order of the samples, such as the original's k-means
    /// clusterings (nmi, f1), whose initialisation follows sample positions; the conformance kit then skips that check.
    /// </summary>
    public bool OrderInvariant { get; init; } = true;

    /// <summary>An argument the metric accepts after '@' (<c>"1"</c> for <c>e_recall</c>), for tools that exercise it; null when it takes none.</summary>
    public string? ExampleArgument { get; init; }
}

/// <summary>
/// An architecture selected as <c>name</c> plus underscore suffixes (<c>resnet50_frozen_normalize</c>). It gets
/// <see cref="InputContract.ImageNet"/> input unless it declares another (<see cref="IDeclaresInput"/>).
/// </summary>
public sealed class ArchitectureAttribute(string name) : ComponentAttribute(ComponentKind.Architecture, name);
