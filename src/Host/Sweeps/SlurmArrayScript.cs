using System.Reflection;
using NirHost.Host.Cli;
using Scriban;
using Scriban.Runtime;

namespace NirHost.Host.Sweeps;

/// <summary>
/// The <c>sbatch</c> job-array script of a sweep, rendered by Scriban from the template shipped with NirHost
/// (<c>SweepArray.sbatch.scriban</c>) or the user's <c>--template</c>. Every value that reaches the shell is quoted
/// here, so a template can place it as it is. Variables: <c>runs</c> (each with <c>task</c>, <c>id</c>, <c>group</c>,
/// <c>seed</c>, <c>line</c>), <c>runs_count</c>, <c>job_name</c>, <c>file</c>, <c>dir</c>, <c>logs_dir</c>,
/// <c>script</c>, <c>working_dir</c>, <c>command</c> (how to start nirhost), <c>options</c> (the sweep's options that
/// every task repeats), <c>throttle</c> (<c>--parallel</c>, 0 for no limit) and the resources <c>partition</c>,
/// <c>account</c>, <c>gpus</c>, <c>cpus</c>, <c>mem</c>, <c>time</c> (null or 0 when not given).
/// </summary>
public static class SlurmArrayScript
{
    public const string FileName = "sweep.sbatch";

    public static string Render(SweepPlan plan, SweepOptions options, IReadOnlyList<string> nirhost, string? templatePath)
    {
        var text = templatePath is null ? ShippedTemplate() : ReadTemplate(templatePath);
        var template = Template.Parse(text, templatePath ?? "SweepArray.sbatch.scriban");
        if (template.HasErrors)
        {
            throw new CommandLineException($"sweep: template {templatePath ?? "(shipped)"}: {string.Join("; ", template.Messages)}");
        }
        var script = new ScriptObject
        {
            ["runs"] = plan.Runs.Select(r => new ScriptObject { ["task"] = r.Task, ["id"] = r.Id, ["group"] = r.Group, ["seed"] = r.Seed, ["line"] = r.LineNumber }).ToList(),
            ["runs_count"] = plan.Runs.Count,
            ["job_name"] = Quote("nirhost-" + Path.GetFileNameWithoutExtension(options.File)),
            ["file"] = Quote(Path.GetFullPath(options.File)),
            ["dir"] = Quote(options.Dir),
            ["logs_dir"] = Quote(Path.Combine(options.Dir, "logs")),
            ["script"] = Quote(Path.Combine(options.Dir, FileName)),
            ["working_dir"] = Quote(Environment.CurrentDirectory),
            ["command"] = string.Join(' ', nirhost.Select(Quote)),
            ["options"] = options.PassOn.Select(Quote).ToList(),
            ["throttle"] = options.Parallel > 1 ? options.Parallel : 0,
            ["partition"] = QuoteOrEmpty(options.Resources.Partition),
            ["account"] = QuoteOrEmpty(options.Resources.Account),
            ["gpus"] = options.Resources.Gpus ?? 0,
            ["cpus"] = options.Resources.Cpus ?? 0,
            ["mem"] = QuoteOrEmpty(options.Resources.Memory),
            ["time"] = QuoteOrEmpty(options.Resources.Time),
        };
        var context = new TemplateContext { StrictVariables = true };
        context.PushGlobal(script);
        try
        {
            return template.Render(context);
        }
        catch (Scriban.Syntax.ScriptRuntimeException e)
        {
            throw new CommandLineException($"sweep: template {templatePath ?? "(shipped)"}: {e.Message}");
        }
    }

    /// <summary>A word for bash: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>Null (false in a template's <c>if</c>) when not given; an empty string would count as given.</summary>
    private static string? QuoteOrEmpty(string? value) => value is null ? null : Quote(value);

    private static string ShippedTemplate()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("NirHost.Host.Sweeps.SweepArray.sbatch.scriban")
            ?? throw new InvalidOperationException("The shipped SLURM template is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string ReadTemplate(string path) => File.Exists(path)
        ? File.ReadAllText(path)
        : throw new CommandLineException($"sweep: --template {path} does not exist.");
}
