using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;

namespace NirHost.Testing;

/// <summary>
/// What the kit gives a component's constructor in place of the host's services, so that components are built by the
/// host's own rule (<see cref="ComponentActivator"/>): what <see cref="ConformanceOptions.Services"/> supplies, else
/// <paramref name="setup"/>, options types at their defaults, <see cref="SamplerData"/> of the setup's classes, the host's default <see cref="DataSettings"/>,
/// <see cref="ConformanceOptions.Input"/>, null loggers and, for criteria that compose others, a
/// <see cref="ConformanceCriterionFactory"/> over the criteria of <paramref name="plugin"/> and
/// <see cref="ConformanceOptions.ComposableCriteria"/>.
/// </summary>
public sealed class ConformanceServices(ConformanceOptions options, TrainingSetup setup, Assembly? plugin = null) : IServiceProvider
{
    public object? GetService(Type type)
    {
        if (options.Services?.Invoke(type) is { } service)
        {
            return service;
        }
        if (type == typeof(TrainingSetup))
        {
            return setup;
        }
        if (type == typeof(SamplerData))
        {
            // A training split as the setup describes it: SamplesPerClass samples of each class, classes in turn.
            return new SamplerData([.. Enumerable.Range(0, setup.NumClasses * setup.SamplesPerClass).Select(i => i / setup.SamplesPerClass)]);
        }
        if (type == typeof(ICriterionFactory))
        {
            // As the host's factory builds any installed criterion: here the component's own plugin's and the ones given.
            return new ConformanceCriterionFactory([.. plugin is null ? [] : ConformanceKit.ComponentTypes(plugin), .. options.ComposableCriteria], options);
        }
        if (type == typeof(DataSettings))
        {
            // The host's defaults: datasets under ../../Datasets, no validation split.
            return new DataSettings { SourcePath = Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "../../Datasets")) };
        }
        if (type == typeof(InputContract))
        {
            return options.Input;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ILogger<>))
        {
            return Activator.CreateInstance(typeof(NullLogger<>).MakeGenericType(type.GetGenericArguments()));
        }
        return ComponentActivator.IsOptionsType(type) ? Activator.CreateInstance(type) : null;
    }

    /// <summary>Builds <paramref name="type"/> as the host would, with these services.</summary>
    public object Create(Type type, ComponentSpec spec, params object[] extra) => ComponentActivator.Create(type, spec, this, extra);
}
