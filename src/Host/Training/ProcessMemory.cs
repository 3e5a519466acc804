using System.Runtime;
using System.Runtime.InteropServices;

namespace NirHost.Host.Training;

/// <summary>
/// Keeps a long run's resident memory flat: fewer glibc arenas from the start, and memory handed back between epochs.
/// </summary>
/// <remarks>
/// Measured on the quick start over 100 epochs (BENCHMARKS.md, Memory). Two causes of growth:
/// <list type="bullet">
/// <item>glibc gives every thread that allocates its own arena (up to eight per core): libtorch's worker threads and
/// the batch loaders allocate tensors in theirs and free them in others, and the arenas fragment. With the default
/// the resident size grew by about 2 MB an epoch with the managed heap flat; limited to two arenas it stayed within a
/// few MB, at the same epoch time.</item>
/// <item>every training and evaluation batch is a fresh array of over 85 KB on the large-object heap, which only a full
/// collection frees, so the managed heap swung between 55 and 230 MB. A blocking full collection that compacts the
/// large-object heap once an epoch costs tens of milliseconds against an epoch's seconds, and running pending
/// finalizers frees the native memory of any tensor a plugin left undisposed; <c>malloc_trim</c> then returns free
/// pages to the system.</item>
/// </list>
/// </remarks>
public static class ProcessMemory
{
    /// <summary>glibc's <c>M_ARENA_MAX</c> option of <c>mallopt</c>.</summary>
    private const int ArenaMaxOption = -8;

    /// <summary>
    /// Limits glibc's arenas; call before libtorch starts its threads (first thing in the process). The
    /// <c>MALLOC_ARENA_MAX</c> environment variable, when set, still decides.
    /// </summary>
    public static void LimitArenas(int arenas = 2)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }
        NotOnGlibc(() => MallOpt(ArenaMaxOption, arenas));
    }

    /// <summary>Hands back what the epoch freed: a compacting full collection, pending finalizers, glibc's free pages.</summary>
    public static void ReleaseAfterEpoch()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            NotOnGlibc(() => MallocTrim(0));
        }
    }

    private static void NotOnGlibc(Func<int> call)
    {
        try
        {
            call();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl, say): its allocator keeps memory its own way.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int option, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
