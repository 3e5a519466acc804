using System.Text.RegularExpressions;
using NirHost.Host.Cli;

namespace NirHost.Host.Sweeps;

/// <summary>One run line of a sweep file: where it starts, and its flags with placeholders filled.</summary>
public sealed record SweepLine(int LineNumber, IReadOnlyList<string> Args, bool DroppedGpu);

/// <summary>
/// A sweep file: the original's <c>nir_benchmark_runs.sh</c> as it is (<c>python main.py ...</c> lines with <c>\</c>
/// continuations, <c>#</c> comments, <c>$gpu</c> and <c>$datapath</c> placeholders) or a file of <c>nirhost</c> command
/// lines. Shell assignments (<c>name=value</c>, <c>export name=value</c>) give placeholders a value that
/// <c>--var</c> overrides; any other command is an error naming its line.
/// </summary>
public static partial class SweepScript
{
    public static IReadOnlyList<SweepLine> Parse(string path, IReadOnlyDictionary<string, string> given)
    {
        if (!File.Exists(path))
        {
            throw new CommandLineException($"Sweep file {path} does not exist.");
        }
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<SweepLine>();
        foreach (var (number, text) in LogicalLines(File.ReadAllLines(path)))
        {
            string Where(string problem) => $"{path}, line {number}: {problem}.";
            var assignment = Assignment().Match(text);
            if (assignment.Success)
            {
                var value = ShellWords.Split(assignment.Groups["value"].Value, Merge(variables, given), Where);
                variables[assignment.Groups["name"].Value] = value.Count > 0 ? value[0] : "";
                continue;
            }
            // The sweep decides the device (see SweepPlan): a pasted --gpu and its values go before placeholders are filled.
            var withoutGpu = GpuFlag().Replace(text, " ");
            var words = ShellWords.Split(withoutGpu, Merge(variables, given), Where);
            var start = CommandStart(words) ?? throw new CommandLineException(
                Where($"'{string.Join(' ', words.Take(3))}' is not a run: a sweep file holds 'python main.py ...' or 'nirhost ...' lines"));
            lines.Add(new SweepLine(number, words.Skip(start).ToList(), withoutGpu != text));
        }
        if (lines.Count == 0)
        {
            throw new CommandLineException($"Sweep file {path} holds no 'python main.py' or 'nirhost' line.");
        }
        return lines;
    }

    /// <summary>Lines joined across <c>\</c> continuations, comments and blank lines dropped, each with its first line's number.</summary>
    private static IEnumerable<(int Number, string Text)> LogicalLines(string[] lines)
    {
        var current = "";
        var first = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (current.Length == 0)
            {
                first = i + 1;
                var trimmed = line.TrimStart();
                if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                {
                    continue;
                }
            }
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            current += line;
            yield return (first, current.Trim());
            current = "";
        }
        if (current.Trim().Length > 0)
        {
            yield return (first, current.Trim());
        }
    }

    /// <summary>Where the flags start: after <c>[VAR=x ...] python[3] [path/]main.py</c> or <c>nirhost [train]</c>; null for other commands.</summary>
    private static int? CommandStart(List<string> words)
    {
        var i = 0;
        while (i < words.Count && Assignment().IsMatch(words[i]))
        {
            i++;
        }
        if (i >= words.Count)
        {
            return null;
        }
        var program = Path.GetFileName(words[i]);
        if (program is "python" or "python3" && i + 1 < words.Count && Path.GetFileName(words[i + 1]) == "main.py")
        {
            return i + 2;
        }
        if (program is "nirhost" or "nirhost.exe")
        {
            return i + 1 < words.Count && words[i + 1] == "train" ? i + 2 : i + 1;
        }
        return null;
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> fromScript, IReadOnlyDictionary<string, string> given)
    {
        var merged = new Dictionary<string, string>(fromScript, StringComparer.Ordinal);
        foreach (var (name, value) in given)
        {
            merged[name] = value;
        }
        return merged;
    }

    [GeneratedRegex(@"^(?:export\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S*)$")]
    private static partial Regex Assignment();

    /// <summary><c>--gpu</c> with its values (the original's flag takes several device indices).</summary>
    [GeneratedRegex(@"(?<=^|\s)--gpu(?:\s+(?!-)\S+)*(?=\s|$)")]
    private static partial Regex GpuFlag();
}
