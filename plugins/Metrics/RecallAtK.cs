namespace NirHost.Plugins.Metrics;

internal static class RecallAtK
{
    /// <summary>Fraction of rows whose first <paramref name="k"/> neighbour labels contain the row's own label.</summary>
    public static double Compute(IReadOnlyList<int> labels, int[,] neighbourLabels, int k)
    {
        var hits = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (neighbourLabels[i, j] == labels[i])
                {
                    hits++;
                    break;
                }
            }
        }
        return (double)hits / labels.Count;
    }
}
