using NirHost.Abstractions;
using NirHost.Plugins.Criteria.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria;

/// <summary>
/// SoftTriple loss (Qian et al. 2019): several centroids per class, a soft assignment turns each sample's
/// similarities to them into one similarity per class, cross-entropy with a margin on the true class, plus a
/// regulariser that spreads the centroids of each class apart.
/// </summary>
/// <remarks>
/// As in the base repository, the soft assignment is a softmax over classes (dimension 1 of [B, classes, centroids]),
/// not over each class's centroids as in the paper; kept so that the numbers match the original.
/// </remarks>
[Criterion("softtriplet", Options = typeof(SoftTripletOptions),
    Description = "SoftTriple: several learnable centroids per class, margin cross-entropy plus a centroid-spread regulariser.")]
public sealed class SoftTripletCriterion : Criterion
{
    private readonly SoftTripletOptions _options;
    private readonly int _classes;
    private readonly long[] _upperPairs;

    // Named as in the original so state dicts read "intra_class_centroids", [embed_dim, classes * centroids].
    private readonly Parameter intra_class_centroids;

    public SoftTripletCriterion(SoftTripletOptions options, TrainingSetup setup) : base("softtriplet")
    {
        _options = options;
        _classes = setup.NumClasses;
        _upperPairs = UpperPairs(options.NCentroids);
        intra_class_centroids = ClassWeights.Uniform(setup.EmbedDim, (long)setup.NumClasses * options.NCentroids);
        RegisterComponents();
    }

    public Parameter Centroids => intra_class_centroids;

    public override IEnumerable<ParameterGroup> ParameterGroups(TrainingSetup setup)
    {
        yield return new ParameterGroup("intra_class_centroids", [intra_class_centroids], setup.LearningRate * _options.LrMultiplier);
    }

    public override Tensor forward(CriterionBatch batch)
    {
        using var scope = NewDisposeScope();
        var k = _options.NCentroids;
        var labels = batch.Labels;
        // Normalised along dim 1 of [D, C*K] as the original does (over centroids, per embedding coordinate).
        var centroids = nn.functional.normalize(intra_class_centroids, dim: 1);
        // The columns regrouped centroid-major ([D, K*C], column k*C + c) so that similarities come out as [B, K, C]:
        // the softmax over classes and the sum over each class's centroids then run along contiguous memory, where
        // the original's [B, C, K] layout reduces over strided or size-K dimensions; the values are the same.
        var byCentroid = centroids.view(-1, _classes, k).transpose(1, 2).reshape(-1, (long)k * _classes);
        var similarities = batch.Embeddings.mm(byCentroid).view(-1, k, _classes);
        var weights = similarities.mul(_options.Gamma).softmax(2);
        var perClass = weights.mul(similarities).sum(1);
        // The margin comes off the true class's logit only: the original's one-hot margin matrix as one scatter.
        var targets = labels.unsqueeze(1);
        var shifted = perClass.scatter(1, targets, perClass.gather(1, targets).sub(_options.MarginDelta));
        var classification = nn.functional.cross_entropy(shifted.mul(_options.Lambda), labels);
        if (k < 2)
        {
            return classification.MoveToOuterDisposeScope();
        }

        // Only centroid pairs of one class enter the regulariser, so their similarities come from one [C, K, K]
        // batched product rather than the full [C*K, C*K] matrix the original masks.
        var perClassCentroids = centroids.t().reshape(_classes, k, -1);
        var inter = perClassCentroids.bmm(perClassCentroids.transpose(1, 2)).reshape(_classes, (long)k * k);
        var pairs = inter.index_select(1, tensor(_upperPairs, device: inter.device));
        var spread = pairs.mul(-2).add(2.00001).sqrt().sum().div((double)_classes * k * (k - 1));
        return classification.add(spread.mul(_options.RegWeight)).MoveToOuterDisposeScope();
    }

    /// <summary>Positions i * K + j (i &lt; j) of the centroid pairs within one class in a flattened K x K block.</summary>
    private static long[] UpperPairs(int k) =>
        [.. Enumerable.Range(0, k).SelectMany(i => Enumerable.Range(i + 1, k - i - 1).Select(j => (long)i * k + j))];
}
