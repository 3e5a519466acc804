namespace NirHost.Retrieval;

/// <summary>
/// The k smallest (distance, row) pairs seen so far, as a bounded max-heap: most candidates are rejected by one
/// comparison with the worst kept. Equal distances go to the lower row, so results do not depend on how rows were split
/// among threads.
/// </summary>
internal sealed class NearestList(int k)
{
    private readonly float[] _distances = new float[k];
    private readonly int[] _rows = new int[k];

    public int Count { get; private set; }

    /// <summary>The distance a candidate must beat (or tie with a lower row) to be kept.</summary>
    public float Worst => Count < _rows.Length ? float.PositiveInfinity : _distances[0];

    public void Offer(float distance, int row)
    {
        if (Count < _rows.Length)
        {
            var i = Count++;
            _distances[i] = distance;
            _rows[i] = row;
            SiftUp(i);
        }
        else if (Before(distance, row, _distances[0], _rows[0]))
        {
            _distances[0] = distance;
            _rows[0] = row;
            SiftDown(0);
        }
    }

    /// <summary>Applies a monotonic map to every kept distance (the order is unchanged).</summary>
    public void Transform(Func<float, float> map)
    {
        for (var i = 0; i < Count; i++)
        {
            _distances[i] = map(_distances[i]);
        }
    }

    public void MergeInto(NearestList other)
    {
        for (var i = 0; i < Count; i++)
        {
            other.Offer(_distances[i], _rows[i]);
        }
    }

    public Neighbour[] Sorted()
    {
        var result = new Neighbour[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = new Neighbour(_rows[i], _distances[i]);
        }
        Array.Sort(result, (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Index.CompareTo(b.Index));
        return result;
    }

    private static bool Before(float distance, int row, float otherDistance, int otherRow) =>
        distance < otherDistance || (distance == otherDistance && row < otherRow);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Before(_distances[parent], _rows[parent], _distances[i], _rows[i]))
            {
                return;
            }
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var largest = i;
            foreach (var child in (ReadOnlySpan<int>)[2 * i + 1, 2 * i + 2])
            {
                if (child < Count && Before(_distances[largest], _rows[largest], _distances[child], _rows[child]))
                {
                    largest = child;
                }
            }
            if (largest == i)
            {
                return;
            }
            Swap(i, largest);
            i = largest;
        }
    }

    private void Swap(int a, int b)
    {
        (_distances[a], _distances[b]) = (_distances[b], _distances[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
