namespace NirHost.Host.Cli;

/// <summary>Flags as given on the command line, before they are bound to options objects.</summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, IReadOnlyList<string>> _values = new(StringComparer.Ordinal);

    /// <summary>Flags in the order the user gave them (each once; a repeated flag keeps its last values, as argparse).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Values => _values;

    public bool HelpRequested { get; set; }

    public bool WasGiven(string flag) => _values.ContainsKey(flag);

    internal void Set(string flag, IReadOnlyList<string> values) => _values[flag] = values;
}
