using System.Reflection;
using Microsoft.Extensions.Logging;

namespace NirHost.Abstractions;

/// <summary>
/// How every component is built, by the host and by the conformance kit alike: through its public constructor with
/// the most parameters, each argument being, in this order, the <see cref="ComponentSpec"/> the user named it by, an
/// extra argument of that type (the miner a criterion runs with, the criterion a regularizer composes onto), one of the
/// services a component may ask for (<see cref="IsService"/>), else the parameter's default value, else null when the
/// parameter is nullable. Anything else is refused.
/// </summary>
public static class ComponentActivator
{
    /// <summary>Builds <paramref name="type"/>. An exception its constructor throws comes out as it was thrown.</summary>
    /// <exception cref="InvalidOperationException">It has no public constructor, or asks for what nothing provides.</exception>
    public static object Create(Type type, ComponentSpec spec, IServiceProvider services, params object[] extra)
    {
        var constructor = ConstructorOf(type) ?? throw new InvalidOperationException("has no public constructor");
        var arguments = constructor.GetParameters().Select(parameter => Argument(parameter, spec, services, extra)).ToArray();
        return constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
    }

    /// <summary>
    /// What a component's constructor may ask the host for: an options type (<see cref="IsOptionsType"/>: its own, or
    /// another component's whose flags it shares), <see cref="TrainingSetup"/>, <see cref="SamplerData"/>,
    /// <see cref="ICriterionFactory"/>, <see cref="DataSettings"/>, <see cref="InputContract"/> and <c>ILogger&lt;T&gt;</c>. The host
    /// holds more, but only these are the contract, so that the conformance kit can give exactly the same.
    /// </summary>
    public static bool IsService(Type type) =>
        type == typeof(TrainingSetup) || type == typeof(SamplerData) || type == typeof(ICriterionFactory) || type == typeof(DataSettings)
        || type == typeof(InputContract) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ILogger<>))
        || IsOptionsType(type);

    /// <summary>An options type: made with its defaults, it declares flags (<see cref="FlagAttribute"/>).</summary>
    public static bool IsOptionsType(Type type) =>
        type.GetConstructor(Type.EmptyTypes) is not null
        && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.GetCustomAttribute<FlagAttribute>() is not null);

    /// <summary>The constructor a component is built with: its public one with the most parameters; null when it has none.</summary>
    public static ConstructorInfo? ConstructorOf(Type type) =>
        type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();

    private static object? Argument(ParameterInfo parameter, ComponentSpec spec, IServiceProvider services, object[] extra)
    {
        var type = parameter.ParameterType;
        if (type == typeof(ComponentSpec))
        {
            return spec;
        }
        if ((extra.FirstOrDefault(type.IsInstanceOfType) ?? (IsService(type) ? services.GetService(type) : null)) is { } given)
        {
            return given;
        }
        // Optional collaborators (a criterion to compose onto, say) fall back to their default when absent.
        if (parameter.HasDefaultValue)
        {
            return parameter.DefaultValue;
        }
        if (Nullable.GetUnderlyingType(type) is not null
            || (!type.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable))
        {
            return null;
        }
        throw new InvalidOperationException(
            $"asks for a {type.Name} ('{parameter.Name}') in its constructor, which the host does not provide" +
            (type == typeof(IBatchMiner) ? " to a criterion that declares no AllowedMiners" : ""));
    }
}
