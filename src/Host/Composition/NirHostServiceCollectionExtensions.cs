using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.Options;
using NirHost.Host.Plugins;
using NirHost.Host.Training;

namespace NirHost.Host.Composition;

public static class NirHostServiceCollectionExtensions
{
    /// <summary>
    /// Registers a training run: the bound options of every flag, the components selected by
    /// <c>--dataset</c>, <c>--arch</c>, <c>--loss</c>, <c>--batch_mining</c>, <c>--data_sampler</c> and
    /// <c>--evaluation_metrics</c>, and the trainer. Components are built lazily, in the order the trainer
    /// asks for them, so that seeding before construction makes initial weights reproducible.
    /// </summary>
    public static IServiceCollection AddNirHostRun(this IServiceCollection services, PluginCatalog catalog, RunConfiguration configuration)
    {
        services.AddSingleton(catalog);
        services.AddSingleton(configuration);
        foreach (var (type, instance) in configuration.Options)
        {
            services.AddSingleton(type, instance);
        }
        services.AddSingleton<ComponentFactory>();
        services.AddSingleton(configuration.Get<DataOptions>().Settings());

        var selection = configuration.Get<ComponentSelectionOptions>();
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<IDataset>(ComponentKind.Dataset, configuration.Get<DataOptions>().Dataset, "dataset"));
        services.AddSingleton(sp => DeclaredInput(sp.GetRequiredService<ComponentFactory>(), selection.Arch));
        services.AddSingleton(sp => LoadSplits(sp, sp.GetRequiredService<IDataset>(), configuration.Get<DataOptions>()));
        services.AddSingleton(sp => new SamplerData(sp.GetRequiredService<DatasetSplits>().Training.Labels));
        services.AddSingleton(sp => CreateSetup(sp, configuration));
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<Architecture>(ComponentKind.Architecture, selection.Arch, "arch"));
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<IBatchSampler>(ComponentKind.Sampler, selection.DataSampler, "data_sampler"));
        services.AddSingleton<ICriterionFactory>(sp => new CriterionFactory(sp.GetRequiredService<ComponentFactory>(), selection,
            sp.GetService<ILogger<CriterionFactory>>()));
        services.AddSingleton(sp => CreateCriterion(sp, catalog, configuration, selection));
        // Metrics built while validating the run are used as they are; the rest are built here.
        services.AddSingleton(sp => new Evaluator(configuration.Get<EvaluationOptions>().EvaluationMetrics
            .Distinct(StringComparer.Ordinal)
            .Select(name => sp.GetService<ValidatedRun>()?.Metrics.GetValueOrDefault(name)
                ?? sp.GetRequiredService<ComponentFactory>().Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics"))
            .ToList(), configuration.Get<EvaluationOptions>().Evaltypes));
        services.AddSingleton<Trainer>();
        return services;
    }

    /// <summary>
    /// What datasets produce: the selected architecture's declared input, read from its type because the dataset is
    /// built (and seeded) before the architecture.
    /// </summary>
    private static InputContract DeclaredInput(ComponentFactory factory, string arch)
    {
        var spec = factory.ParseSpec(ComponentKind.Architecture, arch);
        var descriptor = factory.Resolve(ComponentKind.Architecture, spec, "arch");
        try
        {
            return InputContract.Of(descriptor.Type, spec);
        }
        catch (Exception e) when (e is not Cli.CommandLineException)
        {
            throw new ComponentException(descriptor, $"{e.GetType().Name} while declaring its input: {e.Message}", e);
        }
    }

    /// <summary>Loads the dataset; a failure inside the plugin names it (reading data is where plugins meet the outside world).</summary>
    private static DatasetSplits LoadSplits(IServiceProvider services, IDataset dataset, DataOptions data)
    {
        DatasetSplits splits;
        try
        {
            splits = dataset.Load();
        }
        // Missing or unreadable data already names its path; anything else is the plugin's own failure.
        catch (Exception e) when (e is not (ComponentException or Cli.CommandLineException or OperationCanceledException or IOException or InvalidDataException))
        {
            throw services.GetRequiredService<ComponentFactory>().Blame(e, dataset, "loading the dataset");
        }
        if (data.UseTvSplit && splits.Validation is null)
        {
            throw new Cli.CommandLineException($"--use_tv_split: --dataset {data.Dataset} provides no validation split.");
        }
        return splits;
    }

    private static TrainingSetup CreateSetup(IServiceProvider services, RunConfiguration configuration)
    {
        var optimization = configuration.Get<OptimizationOptions>();
        var selection = configuration.Get<ComponentSelectionOptions>();
        return new TrainingSetup
        {
            EmbedDim = selection.EmbedDim,
            NumClasses = services.GetRequiredService<DatasetSplits>().Training.NumClasses,
            LearningRate = optimization.Lr,
            WeightDecay = optimization.Decay,
            BatchSize = optimization.Bs,
            SamplesPerClass = selection.SamplesPerClass,
            Seed = optimization.Seed,
            Device = DeviceSelection.Resolve(configuration),
            ArchitectureName = selection.Arch,
        };
    }

    /// <summary>
    /// The criterion, plus its batch miner when it needs one. As in the original, a criterion that needs
    /// a miner refuses one it does not allow before training starts.
    /// </summary>
    /// <remarks>
    /// A criterion whose attribute names a <see cref="CriterionAttribute.ComposesOntoProxyCriteriaWith"/> flag
    /// (NIR: <c>--loss_nir_w_align</c>) is built around the selected one when the user gives that flag with a
    /// value &gt; 0 and <c>--loss</c> names a different criterion, which must then have proxies.
    /// </remarks>
    private static CriterionWithMiner CreateCriterion(IServiceProvider services, PluginCatalog catalog, RunConfiguration configuration,
        ComponentSelectionOptions selection)
    {
        var factory = services.GetRequiredService<ComponentFactory>();
        var descriptor = factory.Resolve(ComponentKind.Criterion, ComponentSpec.Plain(selection.Loss), "loss");
        // The architecture exists by now (the trainer builds it first), so criteria that work on its pooled
        // features (S2SD) learn their width.
        var setup = services.GetRequiredService<TrainingSetup>() with
        {
            PenultimateDim = services.GetRequiredService<Architecture>().PooledDim,
        };
        var (criterion, miner) = new CriterionFactory(factory, selection, services.GetService<ILogger<CriterionFactory>>())
            .CreateWithMiner(selection.Loss, setup, "loss");
        foreach (var (composer, flag) in RequestedCompositions(catalog, configuration, descriptor))
        {
            if (criterion is not IProxyCriterion)
            {
                criterion.Dispose();
                throw new Cli.CommandLineException($"--{flag} needs a proxy-based criterion; --loss {selection.Loss} has no proxies.");
            }
            criterion = factory.Create<Criterion>(ComponentKind.Criterion, composer.Name, "loss", criterion, setup);
            descriptor = composer;
        }
        return new CriterionWithMiner(criterion, miner, descriptor);
    }

    /// <summary>Regularizers to compose onto the selected criterion: those whose composition flag was given with a value &gt; 0.</summary>
    internal static IEnumerable<(ComponentDescriptor Composer, string Flag)> RequestedCompositions(
        PluginCatalog catalog, RunConfiguration configuration, ComponentDescriptor selected)
    {
        foreach (var component in catalog.OfKind(ComponentKind.Criterion).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            if (component.Attribute is not CriterionAttribute { ComposesOntoProxyCriteriaWith: { } flag }
                || component.Name == selected.Name
                || !configuration.Arguments.WasGiven(flag)
                || !configuration.Flags.TryGet(flag, out var definitions))
            {
                continue;
            }
            var definition = definitions[0];
            var value = Convert.ToDouble(definition.Property.GetValue(configuration.Options[definition.OptionsType]),
                System.Globalization.CultureInfo.InvariantCulture);
            if (value > 0)
            {
                yield return (component, flag);
            }
        }
    }
}

/// <summary>The selected criterion with the miner it was built with (if any) and where it came from.</summary>
public sealed record CriterionWithMiner(Criterion Criterion, IBatchMiner? Miner, ComponentDescriptor Descriptor);
