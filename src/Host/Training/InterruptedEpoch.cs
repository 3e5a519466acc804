using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// An epoch stopped after <see cref="EpochProgress.StepsDone"/> steps: its progress and what its remaining steps need
/// that cannot be drawn again (the batches and augmentation seeds drawn at its start, libtorch's generator state).
/// In a checkpoint the arrays are the entries <c>epoch.batches</c> (all batches' indices in a row),
/// <c>epoch.batch_sizes</c>, <c>epoch.seeds</c> and <c>epoch.libtorch_random_state</c>.
/// </summary>
public sealed record InterruptedEpoch(EpochProgress Progress, List<int[]> Batches, int[] Seeds, byte[] LibtorchRandomState)
{
    private const string BatchesKey = "epoch.batches";
    private const string SizesKey = "epoch.batch_sizes";
    private const string SeedsKey = "epoch.seeds";
    private const string LibtorchKey = "epoch.libtorch_random_state";

    /// <summary>The arrays as new tensors, for the caller's dispose scope.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Tensors()
    {
        yield return (BatchesKey, tensor(Batches.SelectMany(b => b).Select(i => (long)i).ToArray()));
        yield return (SizesKey, tensor(Batches.Select(b => (long)b.Length).ToArray()));
        yield return (SeedsKey, tensor(Seeds.Select(s => (long)s).ToArray()));
        yield return (LibtorchKey, tensor(LibtorchRandomState, dtype: ScalarType.Byte));
    }

    /// <summary>Reads what <see cref="Tensors"/> wrote; anything missing or inconsistent is an error naming <paramref name="source"/>.</summary>
    public static InterruptedEpoch From(EpochProgress progress, IReadOnlyDictionary<string, Tensor> saved, string source)
    {
        Tensor Entry(string key, ScalarType type) => saved.TryGetValue(key, out var value)
            ? value.dtype == type ? value : throw new InvalidDataException($"{source}: its entry {key} is {value.dtype}, not {type}.")
            : throw new InvalidDataException($"{source} records an interrupted epoch but lacks its entry {key}.");
        var flat = Entry(BatchesKey, ScalarType.Int64).data<long>().ToArray();
        var sizes = Entry(SizesKey, ScalarType.Int64).data<long>().ToArray();
        var seeds = Entry(SeedsKey, ScalarType.Int64).data<long>().Select(s => (int)s).ToArray();
        var libtorch = Entry(LibtorchKey, ScalarType.Byte).data<byte>().ToArray();
        if (sizes.Any(s => s < 0) || sizes.Sum() != flat.Length || seeds.Length != sizes.Length
            || progress.StepsDone <= 0 || progress.StepsDone > sizes.Length || progress.Losses.Count > progress.StepsDone)
        {
            throw new InvalidDataException(
                $"{source}: the interrupted epoch's entries do not agree ({sizes.Length} batch sizes over {flat.Length} indices, {seeds.Length} seeds, " +
                $"{progress.StepsDone} steps done, {progress.Losses.Count} losses).");
        }
        var batches = new List<int[]>(sizes.Length);
        var offset = 0;
        foreach (var size in sizes)
        {
            batches.Add(Array.ConvertAll(flat[offset..(offset + (int)size)], i => (int)i));
            offset += (int)size;
        }
        return new InterruptedEpoch(progress, batches, seeds, libtorch);
    }
}
