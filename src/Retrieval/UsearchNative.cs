using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace NirHost.Retrieval;

/// <summary>
/// The few functions of USearch's C API that its .NET wrapper does not expose and an index of millions needs: reserving
/// capacity once so that several threads add at the same time, serialising to and from memory (the graph travels inside
/// NirHost's index file), and the search expansion of a loaded index. Same native library, same option and enum types
/// as the wrapper (Cloud.Unum.USearch 2.26.6), so the layout is the one that library was built with.
/// </summary>
internal static partial class UsearchNative
{
    private const string Library = "libusearch_c";

    [DllImport(Library, EntryPoint = "usearch_init")]
    public static extern IntPtr Init(ref IndexOptions options, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_free")]
    public static extern void Free(IntPtr index, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_reserve")]
    public static extern void Reserve(IntPtr index, nuint capacity, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static extern void ChangeThreadsAdd(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static extern void ChangeThreadsSearch(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_change_expansion_search")]
    public static extern void ChangeExpansionSearch(IntPtr index, nuint expansion, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_expansion_search")]
    public static extern nuint ExpansionSearch(IntPtr index, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_add")]
    public static extern unsafe void Add(IntPtr index, ulong key, float* vector, ScalarKind kind, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_remove")]
    public static extern nuint Remove(IntPtr index, ulong key, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_search")]
    public static extern unsafe nuint Search(IntPtr index, float* query, ScalarKind kind, nuint count, ulong* keys, float* distances, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_size")]
    public static extern nuint Size(IntPtr index, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_dimensions")]
    public static extern nuint Dimensions(IntPtr index, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_serialized_length")]
    public static extern nuint SerializedLength(IntPtr index, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_save_buffer")]
    public static extern unsafe void SaveBuffer(IntPtr index, byte* buffer, nuint length, out IntPtr error);

    [DllImport(Library, EntryPoint = "usearch_load_buffer")]
    public static extern unsafe void LoadBuffer(IntPtr index, byte* buffer, nuint length, out IntPtr error);

    /// <summary>Turns USearch's error string (a static message, not to be freed) into an exception.</summary>
    public static void Check(IntPtr error, string doing)
    {
        if (error != IntPtr.Zero)
        {
            throw new InvalidOperationException($"USearch, {doing}: {Marshal.PtrToStringUTF8(error)}");
        }
    }
}
