using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// Loads an epoch's batches on <c>--kernels</c> worker threads, each worker one whole batch at a time (as
/// PyTorch's DataLoader workers), keeping up to two batches per worker ready ahead of training. Batches
/// come out in order, and each batch's augmentation draws from its own generator seeded before loading
/// starts, so the tensors do not depend on which worker loads what or when.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly IDataSplit _split;
    private readonly IReadOnlyList<int[]> _batches;
    private readonly int[]? _seeds;
    private readonly TaskCompletionSource<Tensor>[] _results;
    private readonly SemaphoreSlim _room;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _workers;
    private int _next = -1;
    private int _consumed;

    /// <param name="seeds">Per batch, the seed of its augmentation generator; null loads with the evaluation transform.</param>
    public BatchLoader(IDataSplit split, IReadOnlyList<int[]> batches, int[]? seeds, int workers)
    {
        if (seeds is not null && seeds.Length != batches.Count)
        {
            throw new ArgumentException($"{seeds.Length} seeds for {batches.Count} batches.", nameof(seeds));
        }
        _split = split;
        _batches = batches;
        _seeds = seeds;
        _results = [.. batches.Select(_ => new TaskCompletionSource<Tensor>(TaskCreationOptions.RunContinuationsAsynchronously))];
        var count = Math.Clamp(workers, 1, Math.Max(batches.Count, 1));
        _room = new SemaphoreSlim(2 * count);
        _workers = [.. Enumerable.Range(0, count).Select(i => new Thread(Work) { IsBackground = true, Name = $"nirhost-loader-{i}" })];
        foreach (var worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>The batches in order: sample indices and the loaded CPU tensor, which the caller disposes.</summary>
    public IEnumerable<(int[] Indices, Tensor Batch)> Batches()
    {
        for (var i = 0; i < _batches.Count; i++)
        {
            var batch = _results[i].Task.GetAwaiter().GetResult();
            _consumed = i + 1;
            _room.Release();
            yield return (_batches[i], batch);
        }
    }

    private void Work()
    {
        try
        {
            while (true)
            {
                _room.Wait(_stop.Token);
                var index = Interlocked.Increment(ref _next);
                if (index >= _batches.Count)
                {
                    return;
                }
                try
                {
                    var random = _seeds is null ? null : new Random(_seeds[index]);
                    // Intermediates a dataset leaves behind are freed here, on the thread that made them.
                    using var scope = NewDisposeScope();
                    _results[index].SetResult(_split.LoadBatch(_batches[index], random).MoveToOuterDisposeScope());
                }
                catch (Exception e)
                {
                    _results[index].SetException(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var worker in _workers)
        {
            worker.Join();
        }
        for (var i = _consumed; i < _results.Length; i++)
        {
            if (_results[i].Task.IsCompletedSuccessfully)
            {
                _results[i].Task.Result.Dispose();
            }
        }
        _room.Dispose();
        _stop.Dispose();
    }
}
