using NirHost.Abstractions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// A good state of a run inside an epoch, kept in memory for <c>--on_nonfinite rollback</c>: copies of the model and
/// criterion (weights and buffers), the optimizer state, a sampler's or miner's state, the epoch's position and
/// losses, and both random generators. Restoring it puts the run back exactly where it stood before that step.
/// </summary>
/// <remarks>
/// The epoch's batches and augmentation seeds are drawn up front and do not change, so they need no copy. A run
/// interrupted while holding a point writes it into the checkpoint (entries <c>epoch.rollback.*</c>), so that a
/// resumed run rolls back to the same state the uninterrupted run would have.
/// </remarks>
internal sealed class RollbackPoint : IDisposable
{
    public const string CheckpointPrefix = "epoch.rollback.";

    private const string LibtorchKey = "libtorch_random_state";

    private readonly Dictionary<string, Tensor> _tensors;

    private RollbackPoint(Dictionary<string, Tensor> tensors, RollbackPosition position)
    {
        _tensors = tensors;
        Position = position;
    }

    /// <summary>The step the point was taken before, with the epoch's losses and the host generator's state then.</summary>
    public RollbackPosition Position { get; }

    public int Step => Position.Step;

    /// <summary>Copies the run's state as it stands before step <see cref="EpochState.Step"/> of <paramref name="state"/>.</summary>
    public static RollbackPoint Take(EpochState state, RunComponents components, OptimizerHelper optimizer)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in Live(components, optimizer))
        {
            tensors[name] = tensor.detach().clone().DetachFromDisposeScope();
        }
        using var libtorch = random.get_rng_state();
        tensors[LibtorchKey] = libtorch.clone().DetachFromDisposeScope();
        return new RollbackPoint(tensors, new RollbackPosition
        {
            Step = state.Step,
            Losses = [.. state.Losses],
            RandomState = state.Random.SaveState(),
        });
    }

    /// <summary>Puts the run back to this point: weights, buffers, optimizer, sampler and miner, position, losses, generators.</summary>
    public void Restore(EpochState state, RunComponents components, OptimizerHelper optimizer)
    {
        using (no_grad())
        {
            foreach (var (name, tensor) in components.Model.state_dict())
            {
                tensor.copy_(_tensors["model." + name]);
            }
            foreach (var (name, tensor) in components.Criterion.state_dict())
            {
                tensor.copy_(_tensors["criterion." + name]);
            }
        }
        OptimizerStateTensors.Restore(optimizer, Prefixed(OptimizerStateTensors.Prefix, keep: true), "the rollback point");
        Restore(components.Sampler, "sampler.");
        Restore(components.Miner, "miner.");
        random.set_rng_state(_tensors[LibtorchKey]);
        state.Step = Position.Step;
        state.Losses = [.. Position.Losses];
        state.Random.RestoreState(Position.RandomState);
    }

    /// <summary>The point's tensors for an interruption's checkpoint (views of the point's own copies).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Tensors() => _tensors.Select(pair => (CheckpointPrefix + pair.Key, pair.Value));

    /// <summary>A point written by <see cref="Tensors"/> into an interrupted epoch's checkpoint; the tensors are copied.</summary>
    public static RollbackPoint From(RollbackPosition position, IReadOnlyDictionary<string, Tensor> saved, string source)
    {
        var tensors = saved.Where(pair => pair.Key.StartsWith(CheckpointPrefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[CheckpointPrefix.Length..], pair => pair.Value.clone().DetachFromDisposeScope(), StringComparer.Ordinal);
        if (!tensors.ContainsKey(LibtorchKey))
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw new InvalidDataException($"{source} records a rollback point but lacks its entry {CheckpointPrefix}{LibtorchKey}.");
        }
        return new RollbackPoint(tensors, position);
    }

    private static IEnumerable<(string Name, Tensor Tensor)> Live(RunComponents components, OptimizerHelper optimizer)
    {
        foreach (var (name, tensor) in components.Model.state_dict())
        {
            yield return ("model." + name, tensor);
        }
        foreach (var (name, tensor) in components.Criterion.state_dict())
        {
            yield return ("criterion." + name, tensor);
        }
        foreach (var (name, tensor) in OptimizerStateTensors.Capture(optimizer))
        {
            yield return (name, tensor);
        }
        foreach (var (prefix, component) in new (string, object?)[] { ("sampler.", components.Sampler), ("miner.", components.Miner) })
        {
            if (component is IResumableState stateful)
            {
                foreach (var (name, tensor) in stateful.SaveState())
                {
                    yield return (prefix + name, tensor);
                }
            }
        }
    }

    private Dictionary<string, Tensor> Prefixed(string prefix, bool keep) => _tensors
        .Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
        .ToDictionary(pair => keep ? pair.Key : pair.Key[prefix.Length..], pair => pair.Value, StringComparer.Ordinal);

    private void Restore(object? component, string prefix)
    {
        if (component is IResumableState stateful)
        {
            stateful.RestoreState(Prefixed(prefix, keep: false));
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }
        _tensors.Clear();
    }
}
