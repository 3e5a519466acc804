using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;

namespace NirHost.Testing;

/// <summary>
/// Builds a component as the host does: through its widest public constructor, with its options, the
/// <see cref="TrainingSetup"/>, the <see cref="ComponentSpec"/>, sampler data, <see cref="DataSettings"/>, loggers and, for criteria that
/// compose others, an <see cref="ICriterionFactory"/> (<see cref="ConformanceCriterionFactory"/>).
/// </summary>
internal sealed class ComponentActivator(ConformanceOptions options, TrainingSetup setup)
{
    public object Create(Type type, ComponentSpec spec, params object[] extra)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"{type.FullName} has no public constructor.");
        var arguments = constructor.GetParameters().Select(p => Argument(type, p, spec, extra)).ToArray();
        try
        {
            return constructor.Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private object? Argument(Type component, ParameterInfo parameter, ComponentSpec spec, object[] extra)
    {
        var type = parameter.ParameterType;
        if (type == typeof(ComponentSpec))
        {
            return spec;
        }
        if (type == typeof(TrainingSetup))
        {
            return setup;
        }
        if (extra.FirstOrDefault(type.IsInstanceOfType) is { } given)
        {
            return given;
        }
        if (options.Services?.Invoke(type) is { } service)
        {
            return service;
        }
        if (type == typeof(ICriterionFactory))
        {
            // As the host's factory builds any installed criterion: here the component's own plugin's and the ones given.
            return new ConformanceCriterionFactory([.. ConformanceKit.ComponentTypes(component.Assembly), .. options.ComposableCriteria], options);
        }
        if (type == typeof(DataSettings))
        {
            // The host's defaults: datasets under ../../Datasets, no validation split.
            return new DataSettings { SourcePath = Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "../../Datasets")) };
        }
        if (type == typeof(ImageNormalization))
        {
            // What the host gives image datasets for most architectures.
            return ImageNormalization.ImageNet;
        }
        if (type == typeof(ILogger))
        {
            return NullLogger.Instance;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ILogger<>))
        {
            return Activator.CreateInstance(typeof(NullLogger<>).MakeGenericType(type.GetGenericArguments()));
        }
        if (IsOptions(type))
        {
            return Activator.CreateInstance(type);
        }
        if (parameter.HasDefaultValue)
        {
            return parameter.DefaultValue;
        }
        if (Nullable.GetUnderlyingType(type) is not null
            || (!type.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable))
        {
            return null;
        }
        throw new InvalidOperationException($"its constructor asks for a {type.Name} ('{parameter.Name}'), which neither the host nor the kit provides");
    }

    /// <summary>An options type: declares flags and can be made with its defaults.</summary>
    public static bool IsOptions(Type type) =>
        type.GetConstructor(Type.EmptyTypes) is not null
        && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.GetCustomAttribute<FlagAttribute>() is not null);
}
