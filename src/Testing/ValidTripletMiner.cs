using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// The kit's stand-in miner for criteria that need one when no installed miner is at hand: one valid
/// triplet per sample that has a positive and a negative in the batch, drawn from <c>random</c>.
/// </summary>
public sealed class ValidTripletMiner : IBatchMiner
{
    public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random)
    {
        var classes = labels.cpu().to(int64).data<long>().ToArray();
        var anchors = new List<long>();
        var positives = new List<long>();
        var negatives = new List<long>();
        for (var a = 0; a < classes.Length; a++)
        {
            var sameClass = Enumerable.Range(0, classes.Length).Where(i => i != a && classes[i] == classes[a]).ToArray();
            var otherClass = Enumerable.Range(0, classes.Length).Where(i => classes[i] != classes[a]).ToArray();
            if (sameClass.Length == 0 || otherClass.Length == 0)
            {
                continue;
            }
            anchors.Add(a);
            positives.Add(sameClass[random.Next(sameClass.Length)]);
            negatives.Add(otherClass[random.Next(otherClass.Length)]);
        }
        return new MinedTriplets([.. anchors], [.. positives], [.. negatives]);
    }
}
