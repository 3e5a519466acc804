namespace NirHost.Plugins.Metrics;

/// <summary>Scores of a clustering against the classes: scikit-learn's NMI and the original's pair-counting F1.</summary>
internal static class ClusteringScores
{
    /// <summary>numpy's float64 machine epsilon, below which scikit-learn drops mutual-information terms.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Normalised mutual information with the arithmetic mean of the two entropies, as scikit-learn's
    /// <c>normalized_mutual_info_score</c> (its special cases included: one class and one cluster give 1, no shared
    /// information gives 0).
    /// </summary>
    public static double Nmi(IReadOnlyList<int> classes, IReadOnlyList<int> clusters)
    {
        var n = classes.Count;
        var classCounts = Count(classes);
        var clusterCounts = Count(clusters);
        if (classCounts.Count == 1 && clusterCounts.Count == 1)
        {
            return 1.0;
        }
        var joint = new Dictionary<(int, int), long>();
        for (var i = 0; i < n; i++)
        {
            var key = (classes[i], clusters[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
        }
        var mi = 0.0;
        if (classCounts.Count > 1 && clusterCounts.Count > 1)
        {
            var logN = Math.Log(n);
            foreach (var ((a, b), count) in joint)
            {
                var p = (double)count / n;
                var term = p * (Math.Log(count) - logN) + p * (-Math.Log((double)classCounts[a] * clusterCounts[b]) + logN + logN);
                if (Math.Abs(term) >= MachineEpsilon)
                {
                    mi += term;
                }
            }
            mi = Math.Max(mi, 0);
        }
        if (mi == 0)
        {
            return 0.0;
        }
        var normaliser = Math.Max((Entropy(classCounts.Values, n) + Entropy(clusterCounts.Values, n)) / 2, MachineEpsilon);
        return mi / normaliser;
    }

    /// <summary>
    /// The original's clustering F1 (<c>metrics/f1.py</c>): pairs of samples in one class versus pairs in one
    /// cluster. The original first renames every cluster after the member nearest its centroid; that renaming
    /// is one-to-one, so the score depends on the cluster assignments alone.
    /// </summary>
    public static double F1(IReadOnlyList<int> classes, IReadOnlyList<int> clusters)
    {
        static double Pairs(double count) => count * (count - 1) / 2;
        var classPairs = Count(classes).Values.Sum(c => Pairs(c));
        var clusterPairs = Count(clusters).Values.Sum(c => Pairs(c));
        var joint = new Dictionary<(int, int), long>();
        for (var i = 0; i < classes.Count; i++)
        {
            var key = (classes[i], clusters[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
        }
        var together = joint.Values.Sum(c => Pairs(c));
        var precision = together / classPairs;
        var recall = together / clusterPairs;
        return 2 * precision * recall / (precision + recall);
    }

    private static Dictionary<int, long> Count(IReadOnlyList<int> values)
    {
        var counts = new Dictionary<int, long>();
        foreach (var value in values)
        {
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }
        return counts;
    }

    private static double Entropy(IEnumerable<long> counts, int n)
    {
        var logN = Math.Log(n);
        var h = 0.0;
        foreach (var count in counts)
        {
            h -= (double)count / n * (Math.Log(count) - logN);
        }
        return h;
    }
}
