using System.Collections;
using System.Globalization;
using System.Reflection;
using NirHost.Abstractions;

namespace NirHost.Testing;

/// <summary>Declared options: every flag has a default and help, and the default passes the flag's own limits.</summary>
internal static class OptionsChecks
{
    public static void Run(CheckList checks, Type componentType, ComponentAttribute attribute)
    {
        var optionTypes = new List<Type>();
        if (attribute.Options is { } declared)
        {
            optionTypes.Add(declared);
        }
        // Options of a sibling component a constructor also reads (NIR reads ProxyAnchor's) are flags too.
        optionTypes.AddRange(componentType.GetConstructors()
            .SelectMany(c => c.GetParameters())
            .Select(p => p.ParameterType)
            .Where(ComponentActivator.IsOptionsType));
        foreach (var type in optionTypes.Distinct())
        {
            checks.Run($"options {type.Name}: every flag has a default and help", () => Check(type));
        }
    }

    private static string Check(Type type)
    {
        CheckFailure.Unless(type.GetConstructor(Type.EmptyTypes) is not null, $"{type.FullName} needs a public parameterless constructor");
        var instance = Activator.CreateInstance(type)!;
        var problems = new List<string>();
        var count = 0;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<FlagAttribute>() is not { } flag)
            {
                continue;
            }
            count++;
            var name = "--" + flag.Name;
            if (property.SetMethod is not { IsPublic: true })
            {
                problems.Add($"{name} ({property.Name}) has no public setter, so the host cannot set it");
            }
            if (string.IsNullOrWhiteSpace(flag.Help))
            {
                problems.Add($"{name} has no Help text");
            }
            var value = property.GetValue(instance);
            if (value is null)
            {
                problems.Add($"{name} has no default (its property is null after construction)");
                continue;
            }
            if (value is double or float or int or long)
            {
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (number < flag.Min || number > flag.Max)
                {
                    problems.Add($"{name} default {number} lies outside its own limits [{flag.Min}, {flag.Max}]");
                }
            }
            if (flag.Choices is { } choices)
            {
                var values = value is IEnumerable sequence and not string ? sequence.Cast<object>() : [value];
                foreach (var item in values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))
                {
                    if (!choices.Contains(item, StringComparer.Ordinal))
                    {
                        problems.Add($"{name} default '{item}' is not one of its choices ({string.Join(", ", choices)})");
                    }
                }
            }
        }
        CheckFailure.Unless(problems.Count == 0, string.Join("; ", problems));
        return $"{count} flags";
    }
}
