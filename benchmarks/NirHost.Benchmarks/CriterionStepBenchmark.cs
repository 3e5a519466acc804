using BenchmarkDotNet.Attributes;
using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// One criterion step (forward and backward of the criterion alone, no backbone) for every criterion of the
/// original repositories at the original's usual sizes: batch 90 (45 classes x 2 samples), embed_dim 128,
/// 100 classes, float32, one thread (on the shared, busy build machine two threads spent most of a step waiting
/// for each other; the original is timed with one thread too). Tuple criteria get fixed tuples (90 triplets, or the npair / lifted anchor
/// sets), so mining is not timed; S2SD works on 2048-wide pooled features with its default target branches.
/// The original's step times on this machine are in BENCHMARKS.md.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CriterionStepBenchmark
{
    private const int Batch = 90;
    private const int Dim = 128;
    private const int Classes = 100;
    private const int PooledDim = 2048;

    private Criterion _criterion = null!;
    private Tensor _x = null!;
    private Tensor _pooled = null!;
    private Tensor _labels = null!;

    /// <summary>The original's 15 criteria and ProxyAnchor (<c>oproxy</c>, the NIR paper's baseline).</summary>
    public static string[] Losses { get; } =
    [
        "margin", "triplet", "contrastive", "multisimilarity", "npair", "softmax", "arcface", "s2sd",
        "angular", "histogram", "lifted", "quadruplet", "snr", "softtriplet", "proxynca", "oproxy",
    ];

    [ParamsSource(nameof(Losses))]
    public string Loss { get; set; } = "margin";

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        random.manual_seed(0);
        var setup = new TrainingSetup
        {
            EmbedDim = Dim, NumClasses = Classes, LearningRate = 1e-5, WeightDecay = 4e-4, BatchSize = Batch,
            SamplesPerClass = 2, Seed = 0, Device = CPU, PenultimateDim = PooledDim,
            ArchitectureName = "resnet50_frozen_normalize",
        };
        // Labels and miner first: tuple criteria take the miner in their constructor (neither draws random numbers).
        _labels = arange(Batch / 2, dtype: int64).repeat_interleave(2);
        var miner = new FixedTuples(_labels);
        _criterion = Loss switch
        {
            "margin" => new MarginCriterion(new MarginOptions(), setup, miner),
            "triplet" => new TripletCriterion(new TripletOptions(), miner),
            "contrastive" => new ContrastiveCriterion(new ContrastiveOptions(), miner),
            "multisimilarity" => new MultisimilarityCriterion(new MultisimilarityOptions()),
            "npair" => new NPairCriterion(new NPairOptions(), setup, miner),
            "softmax" => new SoftmaxCriterion(new SoftmaxOptions(), setup),
            "arcface" => new ArcFaceCriterion(new ArcFaceOptions(), setup),
            "s2sd" => new S2sdCriterion(new S2sdOptions { W = 50, FeatDistill = true, FeatDistillDelay = 0 }, setup, new MultisimilarityFactory()),
            "angular" => new AngularCriterion(new AngularOptions(), miner),
            "histogram" => new HistogramCriterion(new HistogramOptions()),
            "lifted" => new LiftedCriterion(new LiftedOptions(), miner),
            "quadruplet" => new QuadrupletCriterion(new QuadrupletOptions(), miner),
            "snr" => new SnrCriterion(new SnrOptions(), miner),
            "softtriplet" => new SoftTripletCriterion(new SoftTripletOptions(), setup),
            "proxynca" => new ProxyNcaCriterion(new ProxyNcaOptions(), setup),
            "oproxy" => new ProxyAnchorCriterion(new ProxyAnchorOptions(), setup),
            _ => throw new ArgumentException($"Unknown criterion {Loss}"),
        };
        _x = nn.functional.normalize(randn(Batch, Dim), dim: 1).requires_grad_(true);
        _pooled = rand(Batch, PooledDim).requires_grad_(true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _criterion.Dispose();
        _x.Dispose();
        _pooled.Dispose();
        _labels.Dispose();
    }

    [Benchmark(Description = "criterion forward+backward")]
    public double Step()
    {
        using var scope = NewDisposeScope();
        // Gradients are dropped rather than zeroed, as the original's training loop (zero_grad(set_to_none=True)) does.
        _x.grad = null;
        _pooled.grad = null;
        _criterion.zero_grad(set_to_none: true);
        var loss = _criterion.forward(new CriterionBatch(_x, _labels) { PooledFeatures = _pooled, Random = new Random(0) });
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>
    /// Fixed tuples for the batch: for each sample one positive (its class partner) and one random other-class
    /// negative; anchor sets as the npair (one positive) and lifted (all positives) miners give them, all negatives.
    /// </summary>
    private sealed class FixedTuples : IBatchMiner
    {
        private readonly MinedTriplets _triplets;
        private readonly long[] _anchors;
        private readonly Tensor _positives;
        private readonly Tensor _negatives;

        public FixedTuples(Tensor labels)
        {
            var classes = labels.data<long>().ToArray();
            var random = new Random(0);
            var anchors = Enumerable.Range(0, classes.Length).Select(i => (long)i).ToArray();
            var positives = anchors.Select(a => (long)Enumerable.Range(0, classes.Length).First(j => j != a && classes[j] == classes[a])).ToArray();
            var negatives = anchors.Select(a =>
            {
                long n;
                do
                {
                    n = random.Next(classes.Length);
                }
                while (classes[n] == classes[a]);
                return n;
            }).ToArray();
            _triplets = new MinedTriplets(anchors, positives, negatives);
            _anchors = anchors;
            _positives = nn.functional.one_hot(tensor(positives), classes.Length).to(ScalarType.Bool);
            _negatives = labels.unsqueeze(1).ne(labels.unsqueeze(0));
        }

        public MinedTriplets Mine(Tensor embeddings, Tensor labels, Random random) => _triplets;

        public MinedSets MineSets(Tensor embeddings, Tensor labels, Random random) => new(_anchors, _positives, _negatives);
    }

    private sealed class MultisimilarityFactory : ICriterionFactory
    {
        public Criterion Create(string name, TrainingSetup setup, string flag) => new MultisimilarityCriterion(new MultisimilarityOptions());
    }
}
