namespace NirHost.Host.Composition;

/// <summary>The shell a printed command is meant to be pasted into.</summary>
public enum Shell
{
    /// <summary>bash, zsh and other POSIX shells (Linux, macOS).</summary>
    Posix,

    /// <summary>PowerShell, Windows' default terminal shell.</summary>
    PowerShell,
}

/// <summary>Quotes command-line values so that a shell passes them to nirhost unchanged; pure, one rule per shell.</summary>
public static class ShellQuoting
{
    /// <summary>The shell of this platform's users: PowerShell on Windows, a POSIX shell elsewhere.</summary>
    public static Shell Current { get; } = OperatingSystem.IsWindows() ? Shell.PowerShell : Shell.Posix;

    // Characters that neither shell gives a meaning to inside a word. PowerShell reads ',' as its array operator and
    // '@' as splatting or a here-string at the start of a word, so those are quoted there.
    private const string PosixPlain = "@._-/:+=,";
    private const string PowerShellPlain = "._-/\\:+=";

    // PowerShell takes the typographic single quotes as quote characters too; inside '...' each is escaped by doubling.
    private const string PowerShellSingleQuotes = "'\u2018\u2019\u201A\u201B";

    public static string Quote(string value, Shell shell) => shell switch
    {
        Shell.Posix => IsPlain(value, PosixPlain) ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'",
        Shell.PowerShell => IsPlain(value, PowerShellPlain)
            ? value
            : "'" + string.Concat(value.Select(c => PowerShellSingleQuotes.Contains(c) ? new string(c, 2) : c.ToString())) + "'",
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "unknown shell"),
    };

    private static bool IsPlain(string value, string plain) => value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || plain.Contains(c));
}
