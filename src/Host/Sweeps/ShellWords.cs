using System.Text;
using NirHost.Host.Cli;

namespace NirHost.Host.Sweeps;

/// <summary>
/// Splits one logical line of a shell script into words as bash would for the simple commands a sweep file holds:
/// whitespace separates, single quotes keep everything, double quotes keep all but <c>$</c>-placeholders, a
/// backslash escapes the next character. Placeholders (<c>$name</c>, <c>${name}</c>) are filled from
/// <paramref name="variables"/>; one without a value is an error naming it.
/// </summary>
public static class ShellWords
{
    public static List<string> Split(string line, IReadOnlyDictionary<string, string> variables, Func<string, string> where)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                    continue;
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new CommandLineException(where("an unclosed single quote"));
                    }
                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i++;
                    for (; i < line.Length && line[i] != '"'; i++)
                    {
                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$')
                        {
                            word.Append(line[++i]);
                        }
                        else if (line[i] == '$')
                        {
                            i = Substitute(line, i, word, variables, where);
                        }
                        else
                        {
                            word.Append(line[i]);
                        }
                    }
                    if (i >= line.Length)
                    {
                        throw new CommandLineException(where("an unclosed double quote"));
                    }
                    break;
                case '\\' when i + 1 < line.Length:
                    word.Append(line[++i]);
                    break;
                case '$':
                    i = Substitute(line, i, word, variables, where);
                    break;
                default:
                    word.Append(c);
                    break;
            }
            inWord = true;
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    /// <summary>The placeholder starting at <paramref name="dollar"/>, appended by value; returns the index of its last character.</summary>
    private static int Substitute(string line, int dollar, StringBuilder word, IReadOnlyDictionary<string, string> variables, Func<string, string> where)
    {
        string name;
        int last;
        if (dollar + 1 < line.Length && line[dollar + 1] == '{')
        {
            var close = line.IndexOf('}', dollar + 2);
            if (close < 0)
            {
                throw new CommandLineException(where("an unclosed ${...} placeholder"));
            }
            name = line[(dollar + 2)..close];
            last = close;
        }
        else
        {
            var end = dollar + 1;
            while (end < line.Length && (char.IsAsciiLetterOrDigit(line[end]) || line[end] == '_'))
            {
                end++;
            }
            name = line[(dollar + 1)..end];
            last = end - 1;
        }
        if (name.Length == 0)
        {
            word.Append('$');
            return dollar;
        }
        if (!variables.TryGetValue(name, out var value))
        {
            throw new CommandLineException(where($"the placeholder ${name} has no value (give it with --var {name}=VALUE)"));
        }
        word.Append(value);
        return last;
    }
}
