namespace NirHost.Tests.Support;

/// <summary>A temporary folder removed when the test ends.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nirhost-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A loader may still hold a file on some platforms; the OS cleans temp folders.
        }
    }
}
