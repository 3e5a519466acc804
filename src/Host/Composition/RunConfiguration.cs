using NirHost.Host.Cli;

namespace NirHost.Host.Composition;

/// <summary>The command line of one run: every options object, bound, and what the user actually typed.</summary>
public sealed class RunConfiguration(FlagCatalog flags, ParsedArguments arguments, IReadOnlyDictionary<Type, object> options)
{
    public FlagCatalog Flags { get; } = flags;

    public ParsedArguments Arguments { get; } = arguments;

    public IReadOnlyDictionary<Type, object> Options { get; } = options;

    public T Get<T>() where T : class => (T)Options[typeof(T)];

    /// <summary>The effective value of a flag by its name, whichever options type declares it.</summary>
    public object Value(string flag) =>
        Flags.TryGet(flag, out var definitions)
            ? definitions[0].Property.GetValue(Options[definitions[0].OptionsType])!
            : throw new KeyNotFoundException($"--{flag} is not a known flag.");

    /// <summary>Every flag with its effective value, in catalog order, for Parameter_Info.txt and config.json.</summary>
    public IEnumerable<(string Flag, string Value)> EffectiveFlags() =>
        Flags.OptionsTypes
            .SelectMany(entry => Flags.FlagsOf(entry.OptionsType))
            .DistinctBy(flag => flag.Name)
            .Select(flag => (flag.Name, flag.FormatValue(flag.Property.GetValue(Options[flag.OptionsType]))));

    /// <summary>The flags the user gave as an argument list that parses back to the same configuration.</summary>
    public IReadOnlyList<string> ArgumentList(Func<string, bool>? include = null) =>
        [.. Arguments.Values.Where(pair => include?.Invoke(pair.Key) ?? true).SelectMany(pair =>
        {
            Flags.TryGet(pair.Key, out var definitions);
            var definition = definitions[0];
            return definition.IsSwitch ? [$"--{pair.Key}"]
                // --name=value keeps a single value that starts with '-' a value.
                : definition.IsList ? (IEnumerable<string>)[$"--{pair.Key}", .. pair.Value]
                : [$"--{pair.Key}={pair.Value[0]}"];
        })];

    /// <summary>The flags the user gave, as a command line that reproduces the run, quoted for this platform's shell.</summary>
    public string Command(string verb = "train") => Command(ShellQuoting.Current, verb);

    /// <summary>The flags the user gave, as a command line for <paramref name="shell"/>.</summary>
    public string Command(Shell shell, string verb = "train") =>
        string.Join(' ', new[] { "nirhost", verb }.Concat(Arguments.Values.Select(pair =>
        {
            Flags.TryGet(pair.Key, out var definitions);
            return definitions[0].IsSwitch ? $"--{pair.Key}" : $"--{pair.Key} {string.Join(' ', pair.Value.Select(v => ShellQuoting.Quote(v, shell)))}";
        })));
}
