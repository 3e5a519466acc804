using NirHost.Abstractions;
using NirHost.Plugins.Samplers;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

public sealed class SamplerTests
{
    private static readonly SamplerData Data = new([.. Enumerable.Range(0, 60).Select(i => i / 6)]);

    [Fact]
    public void Class_random_batches_hold_samples_per_class_samples_of_each_drawn_class()
    {
        var sampler = new ClassRandomSampler(Data, TestSetups.Create(batchSize: 12, samplesPerClass: 3));
        var batches = sampler.Batches(new Random(0)).ToList();

        Assert.Equal(60 / 12, batches.Count);
        foreach (var batch in batches)
        {
            Assert.Equal(12, batch.Length);
            var groups = batch.Chunk(3).ToList();
            Assert.All(groups, group => Assert.Single(group.Select(i => Data.Labels[i]).Distinct()));
        }
    }

    [Fact]
    public void Random_batches_always_hold_a_positive_pair()
    {
        var sampler = new RandomSampler(Data, TestSetups.Create(batchSize: 6, samplesPerClass: 2));
        foreach (var batch in sampler.Batches(new Random(3)))
        {
            var last = Data.Labels[batch[^1]];
            Assert.Contains(batch[..^1], i => Data.Labels[i] == last);
        }
    }

    [Fact]
    public void The_same_random_source_gives_the_same_batches()
    {
        var sampler = new ClassRandomSampler(Data, TestSetups.Create(batchSize: 12, samplesPerClass: 2));
        Assert.Equal(sampler.Batches(new Random(5)).SelectMany(b => b), sampler.Batches(new Random(5)).SelectMany(b => b));
    }

    [Fact]
    public void A_batch_size_that_samples_per_class_does_not_divide_is_refused_naming_both_flags()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassRandomSampler(Data, TestSetups.Create(batchSize: 13, samplesPerClass: 2)));
        Assert.Contains("--samples_per_class (2) must divide --bs (13)", error.Message);
    }
}
