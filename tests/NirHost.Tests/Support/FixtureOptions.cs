using System.Reflection;
using System.Text.Json.Nodes;
using NirHost.Abstractions;

namespace NirHost.Tests.Support;

/// <summary>Options objects filled from a fixture's manifest entry, whose keys are the original's flag names.</summary>
public static class FixtureOptions
{
    /// <summary>A new <typeparamref name="T"/> with every flag the entry names set to the entry's value; others keep defaults.</summary>
    public static T Bind<T>(JsonObject entry) where T : new()
    {
        var options = new T();
        foreach (var property in typeof(T).GetProperties())
        {
            var flag = property.GetCustomAttribute<FlagAttribute>();
            if (flag is null || entry[flag.Name] is not { } value)
            {
                continue;
            }
            object converted = property.PropertyType switch
            {
                var t when t == typeof(double) => value.GetValue<double>(),
                var t when t == typeof(int) => value.GetValue<int>(),
                var t when t == typeof(bool) => value.GetValue<bool>(),
                var t when t == typeof(string) => value.GetValue<string>(),
                var t when t == typeof(int[]) => value.AsArray().Select(item => item!.GetValue<int>()).ToArray(),
                var t => throw new NotSupportedException($"Flag --{flag.Name} has type {t.Name}, which fixtures do not carry."),
            };
            property.SetValue(options, converted);
        }
        return options;
    }
}
