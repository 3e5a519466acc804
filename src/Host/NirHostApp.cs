using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Host;

/// <summary>The pieces of the <c>nirhost</c> command, callable in-process (tests use them directly).</summary>
public static class NirHostApp
{
    /// <summary>Options types of the host itself, listed under "General" in --help.</summary>
    public static readonly (string Group, Type Type)[] HostOptions =
    [
        ("General: data", typeof(DataOptions)),
        ("General: optimisation", typeof(OptimizationOptions)),
        ("General: components", typeof(ComponentSelectionOptions)),
        ("General: evaluation", typeof(EvaluationOptions)),
        ("General: run and logging", typeof(RunOptions)),
    ];

    public static FlagCatalog BuildFlags(PluginCatalog catalog)
    {
        var flags = new FlagCatalog();
        foreach (var (group, type) in HostOptions)
        {
            flags.Add(group, type);
        }
        foreach (var component in catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            if (component.OptionsType is { } options)
            {
                flags.Add($"{component.Kind} '{component.Name}' ({component.PluginName})", options);
            }
        }
        return flags;
    }

    /// <summary>Parses a command line; with <c>--resume</c>, the configuration is the resumed run's own.</summary>
    public static RunConfiguration Parse(FlagCatalog flags, IReadOnlyList<string> args)
    {
        var given = ParseOnly(flags, args);
        return given.Arguments.HelpRequested ? given : RunResumption.Prepare(given, arguments => ParseOnly(flags, arguments));
    }

    private static RunConfiguration ParseOnly(FlagCatalog flags, IReadOnlyList<string> args)
    {
        var parsed = new ArgumentParser(flags).Parse(args);
        var options = new OptionsBinder(flags).Bind(parsed);
        return new RunConfiguration(flags, parsed, options);
    }

    /// <summary>Checks across flags that the original asserts, and flags whose behaviour NirHost does not offer yet.</summary>
    public static void Validate(RunConfiguration configuration, PluginCatalog catalog)
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
        ValidateComponentNames(configuration, catalog);
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
    private static void ValidateComponentNames(RunConfiguration configuration, PluginCatalog catalog)
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        var factory = new ComponentFactory(catalog, services);
        var selection = configuration.Get<ComponentSelectionOptions>();
        var named = new List<(ComponentKind Kind, string Name, string Flag)>
        {
            (ComponentKind.Dataset, configuration.Get<DataOptions>().Dataset, "dataset"),
            (ComponentKind.Architecture, selection.Arch, "arch"),
            (ComponentKind.Criterion, selection.Loss, "loss"),
            (ComponentKind.Sampler, selection.DataSampler, "data_sampler"),
        };
        named.AddRange(configuration.Get<EvaluationOptions>().EvaluationMetrics.Select(m => (ComponentKind.Metric, m, "evaluation_metrics")));
        foreach (var (kind, name, flag) in named)
        {
            factory.Resolve(kind, factory.ParseSpec(kind, name), flag);
        }
        ValidateMetricArguments(configuration, catalog);
        var storage = configuration.Get<EvaluationOptions>();
        foreach (var metric in storage.StorageMetrics)
        {
            if (storage.StoreImprovements && !storage.EvaluationMetrics.Contains(metric, StringComparer.Ordinal))
            {
                throw new CommandLineException($"--storage_metrics {metric} is not among --evaluation_metrics, so it is never computed.");
            }
        }
    }

    /// <summary>
    /// Builds each metric once, so that an argument it refuses (<c>e_recall@x</c>) is a command-line error before
    /// any data is loaded. Metrics are small objects; those needing more than their options are checked when built.
    /// </summary>
    private static void ValidateMetricArguments(RunConfiguration configuration, PluginCatalog catalog)
    {
        var collection = new ServiceCollection();
        foreach (var (type, instance) in configuration.Options)
        {
            collection.AddSingleton(type, instance);
        }
        using var services = collection.BuildServiceProvider();
        var factory = new ComponentFactory(catalog, services);
        foreach (var name in configuration.Get<EvaluationOptions>().EvaluationMetrics.Distinct(StringComparer.Ordinal))
        {
            try
            {
                (factory.Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics") as IDisposable)?.Dispose();
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
    }

    /// <summary>Assembles a run with the generic host and trains it.</summary>
    public static RunSummary Train(PluginCatalog catalog, RunConfiguration configuration, TrainingReporter reporter,
        CancellationToken cancellation = default, Action<ILoggingBuilder>? logging = null)
    {
        Validate(configuration, catalog);
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(
                configuration.Get<RunOptions>().Debug ? LogLevel.Debug : LogLevel.Warning);
        }
        else
        {
            logging(builder.Logging);
        }
        builder.Services.AddNirHostRun(catalog, configuration);
        using var host = builder.Build();
        return host.Services.GetRequiredService<Trainer>().Run(reporter, cancellation);
    }
}
