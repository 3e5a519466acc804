using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// What the base repository's batch-matching samplers share: a big batch of <c>--data_batchmatch_bigbs</c>
/// samples built class by class (samples_per_class random samples of each randomly drawn class), then
/// <c>--data_batchmatch_ncomps</c> candidate batches of whole classes from it; the candidate whose embeddings
/// best match the big batch's (lowest cost) is the training batch.
/// </summary>
public abstract class BatchMatchSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options, string name)
    : StorageSampler(data, setup, options, name)
{
    protected override int[] ComposeBatch(Random random)
    {
        var (bigBatch, classPositions) = ClassBigBatch(random);
        var points = Embeddings(bigBatch, random);
        var cost = CostAgainst(points);
        int[]? best = null;
        var bestCost = double.PositiveInfinity;
        for (var c = 0; c < Options.Candidates; c++)
        {
            var candidate = Candidate(classPositions, random);
            var value = cost(candidate);
            // The first lowest wins, as numpy's argmin.
            if (best is null || value < bestCost)
            {
                (best, bestCost) = (candidate, value);
            }
        }
        return [.. best!.Select(position => bigBatch[position])];
    }

    /// <summary>How badly the big batch rows at the given positions summarise all of <paramref name="bigBatch"/>.</summary>
    internal abstract Func<int[], double> CostAgainst(Tensor bigBatch);

    /// <summary>The big batch's sample indices and, per distinct class, its positions in it.</summary>
    private (int[] Samples, int[][] ClassPositions) ClassBigBatch(Random random)
    {
        var samples = new List<int>(Options.BigBatchSize);
        var positions = new Dictionary<int, List<int>>();
        for (var c = 0; c < Options.BigBatchSize / Setup.SamplesPerClass; c++)
        {
            var label = Data.Classes[random.Next(Data.Classes.Count)];
            var members = Data.SamplesByClass[label];
            if (!positions.TryGetValue(label, out var list))
            {
                positions[label] = list = [];
            }
            for (var s = 0; s < Setup.SamplesPerClass; s++)
            {
                list.Add(samples.Count);
                samples.Add(members[random.Next(members.Count)]);
            }
        }
        return ([.. samples], [.. positions.Values.Select(list => list.ToArray())]);
    }

    /// <summary>bs / samples_per_class times: a random class of the big batch, samples_per_class of its positions without replacement.</summary>
    private int[] Candidate(int[][] classPositions, Random random)
    {
        var candidate = new List<int>(Setup.BatchSize);
        for (var c = 0; c < ClassesPerBatch; c++)
        {
            var positions = classPositions[random.Next(classPositions.Length)];
            candidate.AddRange(DrawWithoutReplacement(positions.Length, Setup.SamplesPerClass, random).Select(i => positions[i]));
        }
        return [.. candidate];
    }
}
