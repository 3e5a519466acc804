using System.Text.Json;
using System.Text.Json.Nodes;
using NirHost.Host.Cli;
using NirHost.Host.Plugins;

namespace NirHost.Host.Commands;

/// <summary><c>nirhost plugins [--json]</c>: every component with its kind, name, plugin, version and options.</summary>
public static class PluginsCommand
{
    public static JsonObject Describe(PluginCatalog catalog, FlagCatalog flags)
    {
        var components = new JsonArray();
        foreach (var component in catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            var options = new JsonArray();
            if (component.OptionsType is { } type)
            {
                foreach (var flag in flags.FlagsOf(type))
                {
                    options.Add(new JsonObject
                    {
                        ["flag"] = "--" + flag.Name,
                        ["type"] = flag.TypeName,
                        ["default"] = flag.FormatValue(flag.DefaultValue),
                        ["help"] = flag.Attribute.Help,
                    });
                }
            }
            components.Add(new JsonObject
            {
                ["kind"] = component.Kind.ToString(),
                ["name"] = component.Name,
                ["plugin"] = component.PluginName,
                ["assembly"] = component.AssemblyPath,
                ["version"] = component.AssemblyVersion,
                ["description"] = component.Attribute.Description,
                ["options"] = options,
            });
        }
        return new JsonObject
        {
            ["components"] = components,
            ["problems"] = new JsonArray(catalog.Problems.Select(p => (JsonNode)new JsonObject { ["path"] = p.Path, ["reason"] = p.Reason }).ToArray()),
            ["conflicts"] = new JsonArray(catalog.Conflicts.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
            ["shadowed"] = new JsonArray(catalog.Shadowed.Select(s => (JsonNode)new JsonObject
            {
                ["path"] = s.Path,
                ["used_instead"] = s.UsedInstead,
                ["reason"] = s.Why,
            }).ToArray()),
        };
    }

    public static int Run(PluginCatalog catalog, FlagCatalog flags, IReadOnlyList<string> args, TextWriter output)
    {
        var json = args.Contains("--json");
        var unknown = args.FirstOrDefault(a => a != "--json");
        if (unknown is not null)
        {
            throw new CommandLineException($"nirhost plugins: unexpected argument '{unknown}' (only --json and --plugins DIR are accepted).");
        }
        var description = Describe(catalog, flags);
        if (json)
        {
            output.WriteLine(description.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return catalog.Conflicts.Count == 0 ? 0 : 2;
        }
        foreach (var component in catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            output.WriteLine($"{component.Kind,-13} {component.Name,-16} {component.PluginName} {component.AssemblyVersion}");
            if (component.Attribute.Description.Length > 0)
            {
                output.WriteLine($"{"",14}{component.Attribute.Description}");
            }
            if (component.OptionsType is { } type)
            {
                foreach (var flag in flags.FlagsOf(type))
                {
                    output.WriteLine($"{"",14}--{flag.Name} = {flag.FormatValue(flag.DefaultValue)}");
                }
            }
        }
        foreach (var problem in catalog.Problems)
        {
            output.WriteLine($"problem: {problem.Path}: {problem.Reason}");
        }
        foreach (var conflict in catalog.Conflicts)
        {
            output.WriteLine($"conflict: {conflict}");
        }
        return catalog.Conflicts.Count == 0 ? 0 : 2;
    }
}
