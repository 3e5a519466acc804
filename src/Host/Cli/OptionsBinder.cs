namespace NirHost.Host.Cli;

/// <summary>Builds one instance of every options type, defaults overridden by the parsed flags.</summary>
public sealed class OptionsBinder(FlagCatalog catalog)
{
    public IReadOnlyDictionary<Type, object> Bind(ParsedArguments parsed)
    {
        var instances = catalog.OptionsTypes.ToDictionary(entry => entry.OptionsType, entry => FlagCatalog.CreateDefault(entry.OptionsType));
        foreach (var (name, raw) in parsed.Values)
        {
            catalog.TryGet(name, out var definitions);
            var value = definitions[0].Convert(raw);
            // A flag declared by several options types (shared by a criterion and its regularizer) sets them all.
            foreach (var definition in definitions)
            {
                definition.Property.SetValue(instances[definition.OptionsType], value);
            }
        }
        return instances;
    }
}
