using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host.Evaluation;
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

        var selection = configuration.Get<ComponentSelectionOptions>();
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<IDataset>(ComponentKind.Dataset, configuration.Get<DataOptions>().Dataset, "dataset"));
        services.AddSingleton(sp => sp.GetRequiredService<IDataset>().Load());
        services.AddSingleton(sp => new SamplerData(sp.GetRequiredService<DatasetSplits>().Training.Labels));
        services.AddSingleton(sp => CreateSetup(sp, configuration));
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<Architecture>(ComponentKind.Architecture, selection.Arch, "arch"));
        services.AddSingleton(sp => sp.GetRequiredService<ComponentFactory>()
            .Create<IBatchSampler>(ComponentKind.Sampler, selection.DataSampler, "data_sampler"));
        services.AddSingleton(sp => CreateCriterion(sp, catalog, selection));
        services.AddSingleton(sp => new Evaluator(configuration.Get<EvaluationOptions>().EvaluationMetrics
            .Distinct(StringComparer.Ordinal)
            .Select(name => sp.GetRequiredService<ComponentFactory>().Create<IMetric>(ComponentKind.Metric, name, "evaluation_metrics"))
            .ToList()));
        services.AddSingleton<Trainer>();
        return services;
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
        };
    }

    /// <summary>
    /// The criterion, plus its batch miner when it needs one. As in the original, a criterion that needs
    /// a miner refuses one it does not allow before training starts.
    /// </summary>
    private static CriterionWithMiner CreateCriterion(IServiceProvider services, PluginCatalog catalog, ComponentSelectionOptions selection)
    {
        var factory = services.GetRequiredService<ComponentFactory>();
        var descriptor = factory.Resolve(ComponentKind.Criterion, ComponentSpec.Plain(selection.Loss), "loss");
        var attribute = (CriterionAttribute)descriptor.Attribute;
        IBatchMiner? miner = null;
        if (attribute.RequiresBatchMiner)
        {
            if (!attribute.AllowedMiners.Contains(selection.BatchMining, StringComparer.Ordinal))
            {
                throw new Cli.CommandLineException(
                    $"--batch_mining {selection.BatchMining} is not allowed for --loss {selection.Loss}; it allows: {string.Join(", ", attribute.AllowedMiners)}.");
            }
            miner = factory.Create<IBatchMiner>(ComponentKind.BatchMiner, selection.BatchMining, "batch_mining");
        }
        var criterion = factory.Create<Criterion>(ComponentKind.Criterion, selection.Loss, "loss");
        return new CriterionWithMiner(criterion, miner, descriptor);
    }
}

/// <summary>The selected criterion with the miner it was built with (if any) and where it came from.</summary>
public sealed record CriterionWithMiner(Criterion Criterion, IBatchMiner? Miner, ComponentDescriptor Descriptor);
