namespace NirHost.Retrieval;

/// <summary>
/// The HNSW graph's parameters (USearch's names in brackets). Larger values find more true neighbours at the price of
/// build time, memory and query time; the defaults reach recall@10 of at least 0.95 on the benchmark's million vectors
/// (BENCHMARKS.md).
/// </summary>
public sealed record HnswOptions
{
    /// <summary>Links per node [connectivity, M].</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidates considered while linking a new node [expansion_add, efConstruction].</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidates considered per query [expansion_search, ef].</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>Threads adding vectors while building (0: one per processor).</summary>
    public int Threads { get; init; }
}
