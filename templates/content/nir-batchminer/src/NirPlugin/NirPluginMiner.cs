using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirPlugin;

/// <summary>
/// An example batch miner to start from: one triplet per sample that has a positive in the batch, with a random
/// positive and, with --miner_nirplugin_hardest, the nearest negative (a random one otherwise). Draw all
/// randomness from the given <see cref="Random"/>, which the host reseeds every epoch. The host builds the miner first
/// and passes it to the constructor of the criterion it runs with; it declares what it mines, triplets, so the criteria
/// whose allowed miners mine triplets take it (a set miner would declare <see cref="MinedKind.AnchorSets"/> and
/// implement <see cref="IBatchMiner.MineSets"/>).
/// </summary>
[BatchMiner("nirplugin", Options = typeof(NirPluginOptions), Mines = MinedKind.Triplets,
    Description = "Random positive, nearest or random negative (template example).")]
public sealed class NirPluginMiner(NirPluginOptions options) : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        using var scope = NewDisposeScope();
        var classes = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        var distances = cdist(embeddings.detach(), embeddings.detach()).cpu().to(ScalarType.Float64).data<double>().ToArray();
        var n = classes.Length;
        List<long> anchors = [], positives = [], negatives = [];
        for (var a = 0; a < n; a++)
        {
            var sameClass = Enumerable.Range(0, n).Where(i => i != a && classes[i] == classes[a]).ToArray();
            var otherClass = Enumerable.Range(0, n).Where(i => classes[i] != classes[a]).ToArray();
            if (sameClass.Length == 0 || otherClass.Length == 0)
            {
                continue;
            }
            anchors.Add(a);
            positives.Add(sameClass[random.Next(sameClass.Length)]);
            negatives.Add(options.Hardest
                ? otherClass.MinBy(i => distances[a * n + i])
                : otherClass[random.Next(otherClass.Length)]);
        }
        return new MinedTriplets([.. anchors], [.. positives], [.. negatives]);
    }
}
