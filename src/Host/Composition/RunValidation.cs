using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Evaluation;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Host.Composition;

/// <summary>
/// The checks a run passes once, before any data is loaded: those across flags that the original asserts, the
/// components the flags name, the metrics' arguments, and flags whose behaviour NirHost does not offer.
/// </summary>
public static class RunValidation
{
    /// <summary>
    /// Validates the run. The metrics it builds to check their arguments are those the run evaluates with, so each is
    /// built once; metrics that need more than their options are built, and checked, with the run.
    /// </summary>
    public static ValidatedRun Validate(RunConfiguration configuration, PluginCatalog catalog)
    {
        if (catalog.Conflicts.Count > 0)
        {
            throw new CommandLineException(string.Join(Environment.NewLine, catalog.Conflicts));
        }
        var optimization = configuration.Get<OptimizationOptions>();
        var selection = configuration.Get<ComponentSelectionOptions>();
        if (optimization.Bs % selection.SamplesPerClass != 0)
        {
            throw new CommandLineException(
                $"--bs {optimization.Bs} must be a multiple of --samples_per_class {selection.SamplesPerClass} (the original asserts this for class-based batches).");
        }
        var factory = new ComponentFactory(catalog, new OptionsServices(configuration));
        ValidateComponentNames(configuration, factory);
        ValidateTraining(configuration, catalog);
        if (selection.UseFloat16)
        {
            throw new CommandLineException($"--use_float16 is not available: {Float16Unavailable}.");
        }
        DeviceSelection.Resolve(configuration);
        var unsupported = new (bool Given, string Flag, string Why)[]
        {
            (selection.DataSslSet, "data_ssl_set", "it is obsolete in the original and has no NirHost equivalent"),
            (optimization.InternalSplit != 1, "internal_split", "meta-learning splits are not part of NirHost"),
        };
        foreach (var (given, flag, why) in unsupported)
        {
            if (given)
            {
                throw new CommandLineException($"--{flag} is not supported yet: {why}.");
            }
        }
        foreach (var evaltype in configuration.Get<EvaluationOptions>().Evaltypes)
        {
            if (!Evaluator.KnownEvaltypes.Contains(evaltype))
            {
                throw new CommandLineException($"--evaltypes {evaltype} is not available: {EvaltypeUnavailable}.");
            }
        }
        // Last, so that no metric is built for a command line that fails anyway.
        return new ValidatedRun(catalog, configuration, BuildMetrics(configuration, factory));
    }

    /// <summary>
    /// Why an <c>--evaltypes</c> value other than embeds or avg_features stops the run. The original evaluates entries of
    /// its network's output dict: its architectures' sample vectors are exactly these two (anything else fails there
    /// with an empty feature list); <c>Combined_a_b-wa-wb</c> weights and concatenates the sub-embeddings of a
    /// 'multifeature' network, which neither the NIR repository nor NirHost has.
    /// </summary>
    public const string EvaltypeUnavailable =
        "the architectures evaluate their embedding (embeds) and their pooled backbone features (avg_features), the per-sample " +
        "outputs of the original's networks; weighted combinations (Combined_...) need a network with several embeddings " +
        "(the original's 'multifeature' architectures), which neither the original NIR code nor NirHost provides";

    /// <summary>
    /// Why <c>--use_float16</c> stops the run. The original wraps each step in CUDA autocast (float16 matrix
    /// products, float32 reductions) with a gradient scaler; TorchSharp 0.107 binds no autocast, and casting whole
    /// modules to float16 would be a different, less stable training than the one the flag asks for.
    /// </summary>
    public const string Float16Unavailable =
        "mixed precision needs autocast, which TorchSharp 0.107 (the libtorch binding NirHost uses) does not provide, " +
        "on CUDA or CPU. Drop the flag to train in float32; the numbers are those of the original without it";

    /// <summary>Every component the flags name must be installed; say so before any data is loaded.</summary>
    private static void ValidateComponentNames(RunConfiguration configuration, ComponentFactory factory)
    {
        var selection = configuration.Get<ComponentSelectionOptions>();
        var evaluation = configuration.Get<EvaluationOptions>();
        var named = new List<(ComponentKind Kind, string Name, string Flag)>
        {
            (ComponentKind.Dataset, configuration.Get<DataOptions>().Dataset, "dataset"),
            (ComponentKind.Architecture, selection.Arch, "arch"),
            (ComponentKind.Criterion, selection.Loss, "loss"),
            (ComponentKind.Sampler, selection.DataSampler, "data_sampler"),
        };
        named.AddRange(evaluation.EvaluationMetrics.Select(m => (ComponentKind.Metric, m, "evaluation_metrics")));
        foreach (var (kind, name, flag) in named)
        {
            factory.Resolve(kind, factory.ParseSpec(kind, name), flag);
        }
        foreach (var metric in evaluation.StorageMetrics)
        {
            if (evaluation.StoreImprovements && !evaluation.EvaluationMetrics.Contains(metric, StringComparer.Ordinal))
            {
                throw new CommandLineException($"--storage_metrics {metric} is not among --evaluation_metrics, so it is never computed.");
            }
        }
    }

    /// <summary>The optimizer, the schedule, and a regularizer composed onto the loss: refused here rather than mid-run.</summary>
    private static void ValidateTraining(RunConfiguration configuration, PluginCatalog catalog)
    {
        var optimization = configuration.Get<OptimizationOptions>();
        if (!OptimizerFactory.Names.Contains(optimization.Optim, StringComparer.Ordinal))
        {
            throw new CommandLineException($"--optim {optimization.Optim} is not available; choose one of: {string.Join(", ", OptimizerFactory.Names)}.");
        }
        if (!LearningRateSchedule.Names.Contains(optimization.Scheduler, StringComparer.Ordinal))
        {
            throw new CommandLineException(
                $"--scheduler {optimization.Scheduler} is not available; choose one of: {string.Join(", ", LearningRateSchedule.Names)}.");
        }
        var loss = configuration.Get<ComponentSelectionOptions>().Loss;
        var selected = catalog.Find(ComponentKind.Criterion, loss)!;
        foreach (var (_, flag) in NirHostServiceCollectionExtensions.RequestedCompositions(catalog, configuration, selected))
        {
            if (!typeof(IProxyCriterion).IsAssignableFrom(selected.Type))
            {
                throw new CommandLineException($"--{flag} needs a proxy-based criterion; --loss {loss} has no proxies.");
            }
        }
    }

    /// <summary>
    /// Builds each metric from its options, so that an argument it refuses (<c>e_recall@x</c>) is a command-line error
    /// before any data is loaded.
    /// </summary>
    private static Dictionary<string, IMetric> BuildMetrics(RunConfiguration configuration, ComponentFactory factory)
    {
        var built = new Dictionary<string, IMetric>(StringComparer.Ordinal);
        foreach (var name in configuration.Get<EvaluationOptions>().EvaluationMetrics.Distinct(StringComparer.Ordinal))
        {
            try
            {
                built[name] = factory.Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics");
            }
            catch (ComponentException e) when (e.InnerException is ArgumentException refusal)
            {
                throw new CommandLineException($"--evaluation_metrics {name}: {refusal.Message}");
            }
            catch (ComponentException)
            {
                // It asks for more than options (the training setup, say): it is built, and checked, with the run.
            }
        }
        return built;
    }

    /// <summary>The options of the run as the only services: what a component built before the run exists may ask for.</summary>
    private sealed class OptionsServices(RunConfiguration configuration) : IServiceProvider
    {
        public object? GetService(Type serviceType) => configuration.Options.GetValueOrDefault(serviceType);
    }
}

/// <summary>A run that passed <see cref="RunValidation.Validate"/>, with the metrics built while checking it.</summary>
public sealed record ValidatedRun(PluginCatalog Catalog, RunConfiguration Configuration, IReadOnlyDictionary<string, IMetric> Metrics);
