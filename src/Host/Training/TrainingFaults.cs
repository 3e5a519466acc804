using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NirHost.Host.Training;

/// <summary>Training was interrupted (Ctrl+C, SIGTERM) after finishing its current step and saving what it had.</summary>
public sealed class TrainingInterruptedException(string message) : OperationCanceledException(message);

/// <summary>A native allocation failed; the message gives the batch size and what to lower.</summary>
public sealed class TrainingOutOfMemoryException(string message, Exception inner) : Exception(message, inner);

/// <summary>Recognises the failures libtorch reports only through the text of its exceptions.</summary>
public static partial class TrainingFaults
{
    /// <summary>
    /// libtorch's allocators fail with a c10::Error ("DefaultCPUAllocator: can't allocate memory", "CUDA out of
    /// memory") that TorchSharp rethrows as an <see cref="ExternalException"/>; .NET's own allocations throw
    /// <see cref="OutOfMemoryException"/>.
    /// </summary>
    public static bool IsOutOfMemory(Exception exception) =>
        exception is OutOfMemoryException || (exception is ExternalException or InvalidOperationException && OutOfMemoryText().IsMatch(exception.Message));

    /// <summary>libtorch appends its C++ stack to messages; the first line says what went wrong.</summary>
    public static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    [GeneratedRegex(@"out of memory|can't allocate memory|cannot allocate memory|failed to allocate|bad_alloc|ALLOC_FAILED", RegexOptions.IgnoreCase)]
    private static partial Regex OutOfMemoryText();
}
