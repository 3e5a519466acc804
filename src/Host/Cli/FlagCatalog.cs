using System.Reflection;
using NirHost.Abstractions;

namespace NirHost.Host.Cli;

/// <summary>
/// Every flag the command line accepts, gathered from the options types of the host and of all loaded
/// components. Two options types may declare the same flag (a regularizer reusing its base criterion's
/// flags) only with the same type and default.
/// </summary>
public sealed class FlagCatalog
{
    private readonly Dictionary<string, List<FlagDefinition>> _byName = new(StringComparer.Ordinal);
    private readonly List<(string Group, Type OptionsType)> _optionsTypes = [];

    public IReadOnlyList<(string Group, Type OptionsType)> OptionsTypes => _optionsTypes;

    public IEnumerable<string> Names => _byName.Keys;

    public void Add(string group, Type optionsType)
    {
        if (_optionsTypes.Any(entry => entry.OptionsType == optionsType))
        {
            return;
        }
        var defaults = CreateDefault(optionsType);
        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attribute = property.GetCustomAttribute<FlagAttribute>();
            if (attribute is null)
            {
                continue;
            }
            if (!property.CanWrite)
            {
                throw new InvalidOperationException($"{optionsType.FullName}.{property.Name} declares --{attribute.Name} but has no setter.");
            }
            var defaultValue = property.GetValue(defaults)
                ?? throw new InvalidOperationException($"{optionsType.FullName}.{property.Name} (--{attribute.Name}) has no default value.");
            var definition = new FlagDefinition(optionsType, property, attribute, group, defaultValue);
            if (_byName.TryGetValue(attribute.Name, out var existing))
            {
                var first = existing[0];
                if (first.ValueType != definition.ValueType || first.FormatValue(first.DefaultValue) != definition.FormatValue(defaultValue))
                {
                    throw new InvalidOperationException(
                        $"--{attribute.Name} is declared differently by {first.OptionsType.FullName} ({first.TypeName}, default {first.FormatValue(first.DefaultValue)}) " +
                        $"and {optionsType.FullName} ({definition.TypeName}, default {definition.FormatValue(defaultValue)}).");
                }
                existing.Add(definition);
            }
            else
            {
                _byName[attribute.Name] = [definition];
            }
        }
        _optionsTypes.Add((group, optionsType));
    }

    public bool TryGet(string name, out IReadOnlyList<FlagDefinition> definitions)
    {
        var found = _byName.TryGetValue(name, out var list);
        definitions = list ?? [];
        return found;
    }

    /// <summary>The flags of one options type, in declaration order.</summary>
    public IEnumerable<FlagDefinition> FlagsOf(Type optionsType) =>
        _byName.Values.SelectMany(list => list).Where(flag => flag.OptionsType == optionsType)
            .OrderBy(flag => flag.Property.MetadataToken);

    public static object CreateDefault(Type optionsType) =>
        Activator.CreateInstance(optionsType)
        ?? throw new InvalidOperationException($"Options type {optionsType.FullName} needs a public parameterless constructor.");
}
