using NirHost.Abstractions;
using NirHost.Host.Training;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

/// <summary>The host's parallel loader: order and augmentation do not depend on the number of workers.</summary>
public sealed class BatchLoaderTests
{
    /// <summary>Each sample is its index plus an augmentation draw, loaded slowly and out of step across threads.</summary>
    private sealed class DrawingSplit : IDataSplit
    {
        public string Name => "drawing";
        public int Count => 1000;
        public IReadOnlyList<int> Labels { get; } = new int[1000];
        public int NumClasses => 1;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
        {
            var values = new float[indices.Length];
            for (var i = 0; i < indices.Length; i++)
            {
                values[i] = indices[i] + (augmentation?.Next(1000) ?? 0) * 1000f;
            }
            Thread.Sleep(Random.Shared.Next(3));
            return tensor(values);
        }
    }

    private static List<float[]> LoadAll(int workers, int[]? seeds, List<int[]> batches)
    {
        using var loader = new BatchLoader(new DrawingSplit(), batches, seeds, workers);
        var loaded = new List<float[]>();
        foreach (var (indices, batch) in loader.Batches())
        {
            using (batch)
            {
                Assert.Equal(indices.Length, (int)batch.shape[0]);
                loaded.Add(batch.data<float>().ToArray());
            }
        }
        return loaded;
    }

    [Fact]
    public void Batches_come_in_order_with_the_same_augmentation_for_any_number_of_workers()
    {
        var batches = Enumerable.Range(0, 40).Select(b => Enumerable.Range(b * 5, 5).ToArray()).ToList();
        var seeds = Enumerable.Range(100, 40).ToArray();
        var one = LoadAll(1, seeds, batches);
        var four = LoadAll(4, seeds, batches);
        Assert.Equal(one, four);
        Assert.Equal(batches[7][0], one[7][0] % 1000);
        Assert.NotEqual(one, LoadAll(4, [.. seeds.Select(s => s + 1)], batches));
    }

    [Fact]
    public void Leaving_early_and_failing_batches_are_handled()
    {
        var batches = Enumerable.Range(0, 30).Select(b => new[] { b }).ToList();
        using (var loader = new BatchLoader(new DrawingSplit(), batches, null, 3))
        {
            var first = loader.Batches().First();
            first.Batch.Dispose();
        }
        var broken = new List<int[]> { new[] { 1 }, new[] { 5000 } };
        using var failing = new BatchLoader(new ThrowingSplit(), broken, null, 2);
        var error = Assert.Throws<InvalidDataException>(() => failing.Batches().ToList().ForEach(b => b.Batch.Dispose()));
        Assert.Contains("5000", error.Message);
    }

    private sealed class ThrowingSplit : IDataSplit
    {
        public string Name => "throwing";
        public int Count => 10;
        public IReadOnlyList<int> Labels { get; } = new int[10];
        public int NumClasses => 1;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation) =>
            indices[0] < 10 ? zeros(1) : throw new InvalidDataException($"sample {indices[0]} is unreadable");
    }

    /// <summary>A dataset that leaves an intermediate tensor behind for every batch it loads.</summary>
    private sealed class LeavingSplit : IDataSplit
    {
        public List<Tensor> LeftBehind { get; } = [];
        public string Name => "leaving";
        public int Count => 40;
        public IReadOnlyList<int> Labels { get; } = new int[40];
        public int NumClasses => 1;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
        {
            var raw = tensor(indices.ToArray().Select(i => (float)i).ToArray());
            lock (LeftBehind)
            {
                LeftBehind.Add(raw);
            }
            return raw.mul(2);
        }
    }

    [Fact]
    public void Intermediates_a_dataset_leaves_behind_are_freed_on_the_loader_thread_and_the_batch_is_kept()
    {
        var split = new LeavingSplit();
        var batches = Enumerable.Range(0, 8).Select(b => Enumerable.Range(b * 5, 5).ToArray()).ToList();
        using (var loader = new BatchLoader(split, batches, null, workers: 2))
        {
            foreach (var (indices, batch) in loader.Batches())
            {
                using (batch)
                {
                    Assert.Equal(indices.Select(i => 2f * i), batch.data<float>().ToArray());
                }
            }
        }
        Assert.Equal(8, split.LeftBehind.Count);
        Assert.All(split.LeftBehind, raw => Assert.True(raw.IsInvalid, "an intermediate of LoadBatch was not freed"));
    }
}
