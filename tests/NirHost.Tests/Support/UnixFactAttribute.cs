namespace NirHost.Tests.Support;

/// <summary>
/// A fact that needs POSIX signals (it calls libc's <c>kill</c>): skipped on Windows, where there is no libc to call
/// and console events are not signals, so that <c>dotnet test</c> passes there.
/// </summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Skip = "sends POSIX signals through libc kill: Linux and macOS only";
        }
    }
}
