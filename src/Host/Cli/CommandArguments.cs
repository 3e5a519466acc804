using System.Globalization;

namespace NirHost.Host.Cli;

/// <summary>How many values a command's flag takes.</summary>
public enum FlagArity
{
    /// <summary>No value: present or not.</summary>
    Switch,

    /// <summary>Exactly one value (<c>--flag VALUE</c> or <c>--flag=VALUE</c>).</summary>
    One,

    /// <summary>One or more values, up to the next flag.</summary>
    Many,
}

/// <summary>
/// The arguments of a tool command (<c>embed</c>, <c>index</c>, <c>search</c>): positional values and the command's own
/// flags. An unknown flag, a missing or surplus value and a repeated flag are errors naming the flag, the closest known
/// one and the usage.
/// </summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly string _usage;

    private CommandArguments(string usage) => _usage = usage;

    public List<string> Positional { get; } = [];

    /// <param name="flags">The command's flags by name without dashes; an alias such as <c>k</c> is given as its own entry.</param>
    public static CommandArguments Parse(IReadOnlyList<string> args, string command, string usage, IReadOnlyDictionary<string, FlagArity> flags)
    {
        var parsed = new CommandArguments(usage);
        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (!argument.StartsWith('-') || argument == "-" || double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                parsed.Positional.Add(argument);
                continue;
            }
            var name = argument.TrimStart('-');
            string? inline = null;
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                inline = name[(equals + 1)..];
                name = name[..equals];
            }
            if (!flags.TryGetValue(name, out var arity))
            {
                var closest = Suggestions.Closest(name, flags.Keys);
                throw new CommandLineException($"{command}: unknown flag '{argument}'{(closest is null ? "" : $" (did you mean --{closest}?)")}. Usage: {usage}");
            }
            if (parsed._values.ContainsKey(name))
            {
                throw new CommandLineException($"{command}: --{name} is given twice. Usage: {usage}");
            }
            var values = new List<string>();
            if (inline is not null)
            {
                values.Add(inline);
            }
            else if (arity != FlagArity.Switch)
            {
                while (i + 1 < args.Count && (!args[i + 1].StartsWith('-') || args[i + 1] == "-"
                    || double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    values.Add(args[++i]);
                    if (arity == FlagArity.One)
                    {
                        break;
                    }
                }
            }
            if (arity == FlagArity.Switch && values.Count > 0)
            {
                throw new CommandLineException($"{command}: --{name} takes no value. Usage: {usage}");
            }
            if (arity != FlagArity.Switch && values.Count == 0)
            {
                throw new CommandLineException($"{command}: --{name} needs a value. Usage: {usage}");
            }
            parsed._values[name] = values;
        }
        return parsed;
    }

    public bool Has(string flag) => _values.ContainsKey(flag);

    public string? Value(string flag) => _values.TryGetValue(flag, out var values) ? values[0] : null;

    public IReadOnlyList<string>? Values(string flag) => _values.GetValueOrDefault(flag);

    public string Required(string flag) =>
        Value(flag) ?? throw new CommandLineException($"--{flag} is required. Usage: {_usage}");

    /// <summary>An integer flag's value, at least <paramref name="minimum"/>, or <paramref name="fallback"/> when absent.</summary>
    public int Int(string flag, int fallback, int minimum)
    {
        var text = Value(flag);
        if (text is null)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw new CommandLineException($"--{flag} {text}: expected a whole number of at least {minimum}.");
    }

    /// <summary>A flag's value, which must be one of <paramref name="choices"/>.</summary>
    public string Choice(string flag, string fallback, params string[] choices)
    {
        var value = Value(flag) ?? fallback;
        return choices.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new CommandLineException($"--{flag} {value}: choose one of {string.Join(", ", choices)}.");
    }
}
