using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host.Composition;
using NirHost.Evaluation;
using NirHost.Host.Plugins;

namespace NirHost.Host.Training;

/// <summary>The components a run trains with, built from the run's services in the order that makes seeded weights reproducible.</summary>
internal sealed record RunComponents(DatasetSplits Splits, TrainingSetup Setup, Architecture Model, IBatchSampler Sampler,
    Criterion Criterion, IBatchMiner? Miner, ComponentDescriptor CriterionDescriptor, Evaluator Evaluator, ComponentFactory Factory,
    IDataset Dataset)
{
    /// <summary>
    /// Builds the components; call it right after seeding. The data comes first (the setup needs its classes), then the
    /// model, the sampler and the criterion, as the original builds them after <c>set_seed</c>.
    /// </summary>
    public static RunComponents Build(IServiceProvider services)
    {
        var splits = services.GetRequiredService<DatasetSplits>();
        var setup = services.GetRequiredService<TrainingSetup>();
        var model = services.GetRequiredService<Architecture>();
        var sampler = services.GetRequiredService<IBatchSampler>();
        var (criterion, miner, descriptor) = services.GetRequiredService<CriterionWithMiner>();
        return new RunComponents(splits, setup, model, sampler, criterion, miner, descriptor, services.GetRequiredService<Evaluator>(),
            services.GetRequiredService<ComponentFactory>(), services.GetRequiredService<IDataset>());
    }
}
