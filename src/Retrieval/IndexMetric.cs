namespace NirHost.Retrieval;

/// <summary>How an index measures closeness; the distances it reports follow from it.</summary>
public enum IndexMetric
{
    /// <summary>Euclidean: the reported distance is the L2 distance between the vectors.</summary>
    L2,

    /// <summary>Cosine: vectors are compared after L2 normalisation; the reported distance is 1 - cosine similarity.</summary>
    Cosine,
}

/// <summary>The command-line names of <see cref="IndexMetric"/>.</summary>
public static class IndexMetrics
{
    public static string Name(this IndexMetric metric) => metric == IndexMetric.L2 ? "l2" : "cosine";

    public static IndexMetric Parse(string name, string flag) => name switch
    {
        "l2" => IndexMetric.L2,
        "cosine" => IndexMetric.Cosine,
        _ => throw new ArgumentException($"{flag} {name}: choose l2 or cosine."),
    };
}

/// <summary>One neighbour: the row of the indexed embeddings and its distance to the query (see <see cref="IndexMetric"/>).</summary>
public readonly record struct Neighbour(int Index, float Distance);
