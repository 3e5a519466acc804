namespace NirHost.Retrieval;

/// <summary>Finds the indexed rows nearest to query vectors.</summary>
public interface INeighbourIndex : IDisposable
{
    int Count { get; }

    int Dimension { get; }

    IndexMetric Metric { get; }

    /// <summary>
    /// The <paramref name="k"/> nearest rows of each query (row-major, <see cref="Dimension"/> values each), nearest first;
    /// fewer when the index holds fewer rows.
    /// </summary>
    Neighbour[][] Search(ReadOnlySpan<float> queries, int k);
}
