using NirHost.Abstractions;
using NirHost.Plugins.Samplers;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Samplers;

/// <summary>The storage samplers as the trainer drives them: batch structure, storage life cycle, determinism.</summary>
public sealed class StorageSamplerTests
{
    private static readonly SamplerData Data = new([.. Enumerable.Range(0, 240).Select(i => i / 12)]);

    public static TheoryData<string> Names => ["greedy_coreset", "d2_coreset", "fid_batchmatch", "disthist_batchmatch"];

    private static StorageSampler Create(string name, StorageSamplerOptions options, int batchSize = 16, int samplesPerClass = 4)
    {
        var setup = TestSetups.Create(batchSize: batchSize, samplesPerClass: samplesPerClass);
        return name switch
        {
            "greedy_coreset" => new GreedyCoresetSampler(Data, setup, options),
            "d2_coreset" => new D2CoresetSampler(Data, setup, options),
            "fid_batchmatch" => new FidBatchMatchSampler(Data, setup, options),
            "disthist_batchmatch" => new DistHistBatchMatchSampler(Data, setup, options),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    private static Tensor Embeddings(int seed) =>
        nn.functional.normalize(randn(Data.Labels.Count, 6, generator: new Generator((ulong)seed)), dim: 1);

    [Theory]
    [MemberData(nameof(Names))]
    public void Batches_have_bs_samples_with_whole_groups_of_samples_per_class_and_repeat_per_seed(string name)
    {
        using var sampler = Create(name, new StorageSamplerOptions { BigBatchSize = 64, Candidates = 4 });
        sampler.BeginEpoch(0, () => Embeddings(1));
        var batches = sampler.Batches(new Random(3)).ToList();
        Assert.Equal(240 / 16, batches.Count);
        foreach (var batch in batches)
        {
            Assert.Equal(16, batch.Length);
            Assert.All(batch, i => Assert.InRange(i, 0, 239));
            Assert.All(batch.GroupBy(i => Data.Labels[i]), group => Assert.Equal(0, group.Count() % 4));
        }
        Assert.Equal(batches.SelectMany(b => b), sampler.Batches(new Random(3)).SelectMany(b => b));
    }

    [Fact]
    public void The_training_set_is_embedded_once_then_kept_current_with_each_training_batch()
    {
        using var sampler = Create("greedy_coreset", new StorageSamplerOptions { BigBatchSize = 64 });
        var calls = 0;
        sampler.BeginEpoch(0, () => { calls++; return Embeddings(1); });
        sampler.BeginEpoch(1, () => { calls++; return Embeddings(2); });
        Assert.Equal(1, calls);

        using var seen = full(2, 6, 7f);
        sampler.Observe([3, 10], seen);
        Assert.Equal(7f, sampler.Storage[3, 0].item<float>());
        Assert.Equal(7f, sampler.Storage[10, 5].item<float>());
        Assert.NotEqual(7f, sampler.Storage[4, 0].item<float>());
    }

    [Fact]
    public void Storage_flags_freeze_it_or_rebuild_it_every_epoch_with_momentum()
    {
        using var frozen = Create("greedy_coreset", new StorageSamplerOptions { BigBatchSize = 64, StorageNoUpdate = true });
        frozen.BeginEpoch(0, () => Embeddings(1));
        using var seen = full(1, 6, 7f);
        frozen.Observe([3], seen);
        Assert.NotEqual(7f, frozen.Storage[3, 0].item<float>());

        using var rebuilt = Create("greedy_coreset", new StorageSamplerOptions { BigBatchSize = 64, IdxFullPrec = true, MbMom = 0.5 });
        using var first = Embeddings(1);
        using var second = Embeddings(2);
        rebuilt.BeginEpoch(0, () => first.clone());
        rebuilt.BeginEpoch(1, () => second.clone());
        // delta = 0.5 * 0 + 0.5 * (second - first); storage = second + 1 * delta
        using var expected = second + 0.5 * (second - first);
        TensorAssert.Close(expected, rebuilt.Storage, 1e-6, "momentum storage update");
    }

    [Fact]
    public void Batches_before_the_training_set_is_embedded_are_refused()
    {
        using var sampler = Create("fid_batchmatch", new StorageSamplerOptions { BigBatchSize = 64 });
        var error = Assert.Throws<InvalidOperationException>(() => sampler.Batches(new Random(0)).ToList());
        Assert.Contains("embeddings of the training set", error.Message);
    }

    [Fact]
    public void A_big_batch_larger_than_the_training_split_is_refused_naming_the_flag()
    {
        var error = Assert.Throws<ArgumentException>(() => Create("d2_coreset", new StorageSamplerOptions()));
        Assert.Contains("--data_batchmatch_bigbs (512) is larger than the training split (240 samples)", error.Message);
    }
}
