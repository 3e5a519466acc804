using System.Globalization;

namespace NirHost.Host.Cli;

/// <summary>
/// Parses flags the way the original's argparse does: <c>--name value</c>, <c>--name=value</c>, lists as
/// several values after one flag, switches without values, negative numbers as values, and unambiguous
/// prefixes of a flag name (<c>--n_ep 5</c>).
/// </summary>
public sealed class ArgumentParser(FlagCatalog catalog)
{
    public ParsedArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ParsedArguments();
        var i = 0;
        while (i < args.Count)
        {
            var token = args[i];
            if (token is "-h" or "--help")
            {
                parsed.HelpRequested = true;
                i++;
                continue;
            }
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new CommandLineException(token.Length == 0
                    ? "Unexpected empty argument: flags are written --name value."
                    : $"Unexpected argument '{token}': flags are written --name value.");
            }

            var body = token[2..];
            string? inlineValue = null;
            var equals = body.IndexOf('=');
            if (equals >= 0)
            {
                inlineValue = body[(equals + 1)..];
                body = body[..equals];
            }
            var name = Resolve(body);
            var definition = catalog.TryGet(name, out var definitions) ? definitions[0] : throw new InvalidOperationException();
            i++;

            var values = new List<string>();
            if (inlineValue is not null)
            {
                values.Add(inlineValue);
            }
            else if (!definition.IsSwitch)
            {
                while (i < args.Count && IsValue(args[i]))
                {
                    values.Add(args[i]);
                    i++;
                    if (!definition.IsList)
                    {
                        break;
                    }
                }
            }
            else if (i < args.Count && IsValue(args[i]))
            {
                throw new CommandLineException($"--{name} is a switch and takes no value (got '{args[i]}').");
            }
            parsed.Set(name, values);
        }
        return parsed;
    }

    /// <summary>A token is a value unless it looks like a flag; negative numbers are values, as in argparse.</summary>
    private static bool IsValue(string token) =>
        !token.StartsWith('-') || token == "-" || double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private string Resolve(string name)
    {
        if (name.Length == 0)
        {
            throw new CommandLineException("Empty flag name '--'.");
        }
        if (catalog.TryGet(name, out _))
        {
            return name;
        }
        var prefixed = catalog.Names.Where(known => known.StartsWith(name, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (prefixed.Count == 1)
        {
            return prefixed[0];
        }
        if (prefixed.Count > 1)
        {
            throw new CommandLineException(
                $"--{name} is ambiguous: it could be {string.Join(", ", prefixed.Take(6).Select(p => "--" + p))}{(prefixed.Count > 6 ? ", ..." : "")}.");
        }
        var suggestion = Suggestions.Closest(name, catalog.Names);
        throw new CommandLineException(suggestion is null
            ? $"Unknown flag --{name}. Run with --help to list the flags."
            : $"Unknown flag --{name}. Did you mean --{suggestion}?");
    }
}
