using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// A miner returns valid in-batch triplets, and the same ones for the same random source; on a batch with one
/// sample per class and on a batch of one class it returns what valid tuples there are (none, or self-positives
/// such as the distance miner's), never an error.
/// </summary>
internal static class BatchMinerChecks
{
    public static void Run(CheckList checks, Type type, BatchMinerAttribute attribute, ConformanceOptions options)
    {
        var labelled = attribute.FollowsLabels;
        var services = new ConformanceServices(options, ConformanceKit.Setup(options), type.Assembly);
        IBatchMiner? miner = null;
        if (!checks.Run("is built with its default options", () =>
            {
                miner = (IBatchMiner)services.Create(type, ComponentSpec.Plain(attribute.Name));
                return "";
            }))
        {
            return;
        }
        using var scope = NewDisposeScope();
        var classes = Enumerable.Range(0, 16).Select(i => (long)(i / 4)).ToArray();
        var labels = tensor(classes, device: options.Device);
        var embeddings = nn.functional.normalize(randn(classes.Length, 16, device: options.Device), dim: 1);
        MinedTriplets? first = null;
        checks.Run($"returns valid in-batch triplets on {options.Device}", () =>
        {
            first = miner!.Mine(embeddings, labels, new Random(3));
            CheckFailure.Unless(first.Anchors.Length == first.Positives.Length && first.Anchors.Length == first.Negatives.Length,
                $"anchors, positives and negatives differ in length ({first.Anchors.Length}, {first.Positives.Length}, {first.Negatives.Length})");
            CheckFailure.Unless(first.Count > 0, "mined no triplet from a batch of 4 classes with 4 samples each");
            for (var t = 0; t < first.Count; t++)
            {
                var (a, p, n) = (first.Anchors[t], first.Positives[t], first.Negatives[t]);
                CheckFailure.Unless(new[] { a, p, n }.All(i => i >= 0 && i < classes.Length),
                    $"triplet {t} ({a}, {p}, {n}) indexes outside the batch of {classes.Length}");
                if (labelled)
                {
                    CheckFailure.Unless(a != p, $"triplet {t} uses sample {a} as its own positive");
                    CheckFailure.Unless(classes[a] == classes[p], $"triplet {t}: positive {p} is of class {classes[p]}, anchor {a} of class {classes[a]}");
                    CheckFailure.Unless(classes[a] != classes[n], $"triplet {t}: negative {n} is of the anchor's class {classes[a]}");
                }
            }
            return $"{first.Count} triplets" + (labelled ? "" : " (labels not checked: FollowsLabels = false)");
        });
        checks.Run("mined sets: valid masks of positives and negatives", () =>
        {
            var sets = miner!.MineSets(embeddings, labels, new Random(3));
            CheckFailure.Unless(sets.Positives.shape.SequenceEqual([(long)sets.Count, classes.Length]) && sets.Negatives.shape.SequenceEqual([(long)sets.Count, classes.Length]),
                $"masks of shape [{string.Join(", ", sets.Positives.shape)}] and [{string.Join(", ", sets.Negatives.shape)}] for {sets.Count} anchors in a batch of {classes.Length}");
            CheckFailure.Unless(sets.Positives.dtype == ScalarType.Bool && sets.Negatives.dtype == ScalarType.Bool, "masks are not boolean");
            var positives = sets.Positives.cpu().data<bool>().ToArray();
            var negatives = sets.Negatives.cpu().data<bool>().ToArray();
            for (var row = 0; row < sets.Count; row++)
            {
                var anchor = sets.Anchors[row];
                CheckFailure.Unless(anchor >= 0 && anchor < classes.Length, $"anchor {anchor} outside the batch");
                for (var j = 0; j < classes.Length; j++)
                {
                    var positive = positives[row * classes.Length + j];
                    var negative = negatives[row * classes.Length + j];
                    CheckFailure.Unless(!labelled || !positive || (j != anchor && classes[j] == classes[anchor]), $"anchor {anchor}: sample {j} is marked positive");
                    CheckFailure.Unless(!labelled || !negative || classes[j] != classes[anchor], $"anchor {anchor}: sample {j} of its own class is marked negative");
                }
            }
            return $"{sets.Count} anchors";
        });
        checks.Run("same random source, same triplets", () =>
        {
            var second = miner!.Mine(embeddings, labels, new Random(3));
            CheckFailure.Unless(first is not null
                && first.Anchors.SequenceEqual(second.Anchors)
                && first.Positives.SequenceEqual(second.Positives)
                && first.Negatives.SequenceEqual(second.Negatives),
                "two calls with identically seeded random sources mined different triplets: draw all randomness from the given Random");
            return "";
        });
        foreach (var (name, degenerate) in new (string, long[])[]
        {
            ("one sample per class", [.. Enumerable.Range(0, 8).Select(i => (long)i)]),
            ("a batch of one class", [.. Enumerable.Repeat(5L, 8)]),
        })
        {
            checks.Run($"{name}: mines without error, only valid tuples", () => MineDegenerate(miner!, degenerate, labelled, options.Device));
        }
    }

    /// <summary>
    /// Tuples of a batch that has no ordinary triplet. A sample alone in its class may serve as its own positive
    /// (as the original's distance miner does); a negative must still be of another class.
    /// </summary>
    private static string MineDegenerate(IBatchMiner miner, long[] classes, bool labelled, Device device)
    {
        using var scope = NewDisposeScope();
        var labels = tensor(classes, device: device);
        var embeddings = nn.functional.normalize(randn(classes.Length, 16, device: device), dim: 1);
        var triplets = miner.Mine(embeddings, labels, new Random(5));
        CheckFailure.Unless(triplets.Anchors.Length == triplets.Positives.Length && triplets.Anchors.Length == triplets.Negatives.Length,
            $"anchors, positives and negatives differ in length ({triplets.Anchors.Length}, {triplets.Positives.Length}, {triplets.Negatives.Length})");
        for (var t = 0; t < triplets.Count; t++)
        {
            var (a, p, n) = (triplets.Anchors[t], triplets.Positives[t], triplets.Negatives[t]);
            CheckFailure.Unless(new[] { a, p, n }.All(i => i >= 0 && i < classes.Length), $"triplet {t} ({a}, {p}, {n}) indexes outside the batch of {classes.Length}");
            CheckFailure.Unless(!labelled || classes[a] == classes[p], $"triplet {t}: positive {p} is of class {classes[p]}, anchor {a} of class {classes[a]}");
            CheckFailure.Unless(!labelled || classes[a] != classes[n], $"triplet {t}: negative {n} is of the anchor's class {classes[a]}; return no triplet when the batch has no negative");
        }
        var sets = miner.MineSets(embeddings, labels, new Random(5));
        CheckFailure.Unless(sets.Positives.shape.SequenceEqual([(long)sets.Count, classes.Length]) && sets.Negatives.shape.SequenceEqual([(long)sets.Count, classes.Length]),
            $"set masks of shape [{string.Join(", ", sets.Positives.shape)}] and [{string.Join(", ", sets.Negatives.shape)}] for {sets.Count} anchors in a batch of {classes.Length}");
        // TorchSharp cannot read the data of an empty tensor.
        var positives = sets.Count == 0 ? [] : sets.Positives.cpu().to(ScalarType.Bool).data<bool>().ToArray();
        var negatives = sets.Count == 0 ? [] : sets.Negatives.cpu().to(ScalarType.Bool).data<bool>().ToArray();
        for (var row = 0; row < sets.Count; row++)
        {
            var anchor = sets.Anchors[row];
            CheckFailure.Unless(anchor >= 0 && anchor < classes.Length, $"set anchor {anchor} outside the batch");
            for (var j = 0; j < classes.Length && labelled; j++)
            {
                CheckFailure.Unless(!positives[row * classes.Length + j] || classes[j] == classes[anchor], $"set anchor {anchor}: sample {j} of another class is marked positive");
                CheckFailure.Unless(!negatives[row * classes.Length + j] || classes[j] != classes[anchor], $"set anchor {anchor}: sample {j} of its own class is marked negative");
            }
        }
        return $"{triplets.Count} triplets, {sets.Count} anchor sets";
    }
}
