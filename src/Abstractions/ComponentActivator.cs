using System.Reflection;

namespace NirHost.Abstractions;

/// <summary>
/// How every component is built, by the host and by the conformance kit alike: through its public constructor with
/// the most parameters, each argument being, in this order, the <see cref="ComponentSpec"/> the user named it by, an
/// extra argument of that type (the miner a criterion runs with, the criterion a regularizer composes onto, a
/// sampler's <see cref="SamplerData"/>), a service (its options, <see cref="TrainingSetup"/>, <see cref="DataSettings"/>,
/// <see cref="InputContract"/>, <see cref="ICriterionFactory"/>, <c>ILogger&lt;T&gt;</c>), else the parameter's
/// default value, else null when the parameter is nullable. Anything else is refused.
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
        if ((extra.FirstOrDefault(type.IsInstanceOfType) ?? services.GetService(type)) is { } given)
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
