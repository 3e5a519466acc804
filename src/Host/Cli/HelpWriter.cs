using System.Text;

namespace NirHost.Host.Cli;

/// <summary>Renders --help: the commands, then every flag grouped by the options type (component) that declares it.</summary>
public static class HelpWriter
{
    public static string Write(FlagCatalog flags)
    {
        var text = new StringBuilder();
        text.AppendLine("nirhost: deep metric learning with plugin components, compatible with the original main.py flags.");
        text.AppendLine();
        text.AppendLine("Usage:");
        text.AppendLine("  nirhost [train] [--plugins DIR]... [flags]   train (the original's python main.py [flags])");
        text.AppendLine("  nirhost quickstart [flags]                   train on the embedded dataset with a CPU preset");
        text.AppendLine("  nirhost plugins [--json] [--plugins DIR]...  list the installed components and their options");
        text.AppendLine();
        text.AppendLine("  --plugins DIR   load plugins from DIR (repeatable; default: the plugins folder beside nirhost)");
        foreach (var (group, type) in flags.OptionsTypes)
        {
            text.AppendLine();
            text.AppendLine(group + ":");
            foreach (var flag in flags.FlagsOf(type))
            {
                var left = flag.IsSwitch ? $"  --{flag.Name}" : $"  --{flag.Name} {flag.TypeName.ToUpperInvariant()}";
                var help = flag.Attribute.Help;
                if (flag.Attribute.Choices is { } choices)
                {
                    help += $" One of: {string.Join(", ", choices)}.";
                }
                if (!flag.IsSwitch)
                {
                    help += $" (default: {flag.FormatValue(flag.DefaultValue)})";
                }
                text.Append(left.PadRight(42)).Append(left.Length >= 42 ? "\n" + new string(' ', 42) : "").AppendLine(help);
            }
        }
        return text.ToString();
    }
}
