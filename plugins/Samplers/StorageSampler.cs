using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// What the original's storage samplers share: the embeddings of the training set, built before the first
/// epoch, refreshed with every training batch's embeddings (unless <c>--data_storage_no_update</c>) and, with
/// <c>--data_idx_full_prec</c>, rebuilt before later epochs; and the epoch's batches, all composed before
/// training on the first, as the original's <c>precompute_indices</c>.
/// </summary>
public abstract class StorageSampler : IStorageBatchSampler, IResumableState, IDisposable
{
    private Tensor? _storage;
    private Tensor? _momentum;

    protected StorageSampler(SamplerData data, TrainingSetup setup, StorageSamplerOptions options, string name)
    {
        SamplerChecks.Validate(data, setup);
        if (options.BigBatchSize > data.Labels.Count)
        {
            throw new ArgumentException(
                $"--data_batchmatch_bigbs ({options.BigBatchSize}) is larger than the training split ({data.Labels.Count} samples) for --data_sampler {name}.");
        }
        if (options.BigBatchSize < setup.BatchSize / setup.SamplesPerClass)
        {
            throw new ArgumentException(
                $"--data_batchmatch_bigbs ({options.BigBatchSize}) must be at least --bs / --samples_per_class ({setup.BatchSize / setup.SamplesPerClass}) for --data_sampler {name}.");
        }
        Data = data;
        Setup = setup;
        Options = options;
    }

    protected SamplerData Data { get; }

    protected TrainingSetup Setup { get; }

    protected StorageSamplerOptions Options { get; }

    protected int ClassesPerBatch => Setup.BatchSize / Setup.SamplesPerClass;

    public int BatchesPerEpoch => Data.Labels.Count / Setup.BatchSize;

    /// <summary>The stored embeddings, [N, D] float32 on the CPU.</summary>
    public Tensor Storage => _storage ?? throw new InvalidOperationException(
        $"{GetType().Name} composes batches from embeddings of the training set, which it has not been given yet (BeginEpoch).");

    public void BeginEpoch(int epoch, Func<Tensor> embedTrainingSet)
    {
        if (_storage is null)
        {
            _storage = Checked(embedTrainingSet());
            return;
        }
        if (epoch == 0 || !Options.IdxFullPrec)
        {
            return;
        }
        var fresh = Checked(embedTrainingSet());
        if (Options.MbMom > 0)
        {
            using var scope = NewDisposeScope();
            var momentum = _momentum ?? zeros_like(fresh);
            var updated = Options.MbMom * momentum + (1 - Options.MbMom) * (fresh - _storage);
            _momentum?.Dispose();
            _momentum = updated.DetachFromDisposeScope();
            var storage = (fresh + Options.MbLr * _momentum).DetachFromDisposeScope();
            fresh.Dispose();
            fresh = storage;
        }
        _storage.Dispose();
        _storage = fresh;
    }

    public void Observe(IReadOnlyList<int> indices, Tensor embeddings)
    {
        if (Options.StorageNoUpdate || _storage is null)
        {
            return;
        }
        using var scope = NewDisposeScope();
        _storage.index_copy_(0, tensor(indices.Select(i => (long)i).ToArray()), embeddings.detach().to(float32).cpu());
    }

    public IEnumerable<int[]> Batches(Random random)
    {
        _ = Storage;
        var batches = new List<int[]>(BatchesPerEpoch);
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            using var scope = NewDisposeScope();
            batches.Add(ComposeBatch(random));
        }
        return batches;
    }

    /// <summary>One batch of training-sample indices, composed from <see cref="Storage"/>.</summary>
    protected abstract int[] ComposeBatch(Random random);

    /// <summary>
    /// Stored embeddings of <paramref name="indices"/>, mapped by a fresh random linear map to
    /// <c>--data_sampler_lowproj_dim</c> dimensions when set (weights uniform in ±1/sqrt(D), like a new bias-free
    /// <c>nn.Linear</c>); float64 for the selection arithmetic.
    /// </summary>
    protected Tensor Embeddings(IReadOnlyList<int> indices, Random random)
    {
        var rows = Storage.index_select(0, tensor(indices.Select(i => (long)i).ToArray())).to(float64);
        if (Options.LowProjDim <= 0)
        {
            return rows;
        }
        var dim = (int)rows.shape[1];
        var bound = 1 / Math.Sqrt(dim);
        var weights = new double[dim * Options.LowProjDim];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (2 * random.NextDouble() - 1) * bound;
        }
        return rows.mm(tensor(weights, float64).reshape(dim, Options.LowProjDim));
    }

    /// <summary>
    /// A batch from one sample per picked class representative: each representative followed, class by class,
    /// by <c>--samples_per_class</c> - 1 random samples of its class (with replacement), as the coreset samplers do.
    /// </summary>
    protected int[] WithClassFillers(IReadOnlyList<int> representatives, Random random)
    {
        var batch = new List<int>(representatives);
        foreach (var representative in representatives)
        {
            var members = Data.SamplesByClass[Data.Labels[representative]];
            for (var s = 1; s < Setup.SamplesPerClass; s++)
            {
                batch.Add(members[random.Next(members.Count)]);
            }
        }
        return [.. batch];
    }

    /// <summary>Distinct sample indices drawn uniformly without replacement.</summary>
    protected static int[] DrawWithoutReplacement(int population, int count, Random random)
    {
        var pool = Enumerable.Range(0, population).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, population);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }

    /// <summary>Squared Euclidean distances as the original computes them: clip(|a|² + |b|² - 2 a·b, 0).</summary>
    internal static Tensor SquaredDistances(Tensor points)
    {
        var product = points.mm(points.t());
        var squares = product.diag().reshape(-1, 1);
        return (-2 * product + squares + squares.t()).clamp_min(0);
    }

    private Tensor Checked(Tensor embeddings)
    {
        if (embeddings.dim() != 2 || embeddings.shape[0] != Data.Labels.Count)
        {
            throw new InvalidOperationException(
                $"Training-set embeddings have shape [{string.Join(", ", embeddings.shape)}]; expected [{Data.Labels.Count}, D].");
        }
        // The sampler keeps the storage across epochs: out of any caller's dispose scope.
        return embeddings.to(float32).cpu().contiguous().DetachFromDisposeScope();
    }

    /// <summary>The storage and its momentum travel in training checkpoints: a resumed run composes the batches it would have.</summary>
    public IReadOnlyDictionary<string, Tensor> SaveState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (_storage is not null)
        {
            state["storage"] = _storage;
        }
        if (_momentum is not null)
        {
            state["momentum"] = _momentum;
        }
        return state;
    }

    public void RestoreState(IReadOnlyDictionary<string, Tensor> state)
    {
        var unknown = state.Keys.Where(k => k is not ("storage" or "momentum")).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"{GetType().Name} keeps a storage and its momentum; the saved state also has {string.Join(", ", unknown)}.");
        }
        if (state.TryGetValue("storage", out var storage) && (storage.dim() != 2 || storage.shape[0] != Data.Labels.Count))
        {
            throw new InvalidDataException(
                $"The saved storage of {GetType().Name} has shape [{string.Join(", ", storage.shape)}]; this training split needs [{Data.Labels.Count}, D].");
        }
        _storage?.Dispose();
        _momentum?.Dispose();
        _storage = state.TryGetValue("storage", out storage) ? Kept(storage) : null;
        _momentum = state.TryGetValue("momentum", out var momentum) ? Kept(momentum) : null;
    }

    private static Tensor Kept(Tensor saved)
    {
        // The conversions' intermediates go with the scope; the copy is kept across epochs, out of every scope.
        using var scope = NewDisposeScope();
        return saved.to(float32).cpu().clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _storage?.Dispose();
        _momentum?.Dispose();
        GC.SuppressFinalize(this);
    }
}
