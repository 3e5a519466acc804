namespace NirHost.Tests.Support;

/// <summary>A fact that needs a Linux tool installed with apt-get (Chromium): skipped elsewhere, so that <c>dotnet test</c> passes there.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "uses a Debian package (installed with apt-get): Linux only";
        }
    }
}
