using NirHost.Abstractions;
using NirHost.Host.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// The resumable checkpoint every epoch ends with, <c>checkpoint_last.safetensors</c> in the run folder: the
/// model (<c>model.*</c>), the criterion with its proxies and flow (<c>criterion.*</c>), the optimizer state
/// (<c>optimizer.*</c>), the state of a sampler or miner that keeps one (<c>sampler.*</c>, <c>miner.*</c>), the
/// position inside an epoch when a run was interrupted mid-epoch (<c>epoch.*</c>) and, in the metadata, the
/// <see cref="CheckpointState"/>. Separate from the <c>--store_improvements</c> checkpoints, which keep the best model.
/// </summary>
/// <remarks>
/// A new checkpoint is written as <c>checkpoint_next</c> (itself through a temporary file and a rename), read back
/// against the checksums it records, and only then takes the place of <c>checkpoint_last</c>, whose version moves to
/// <c>checkpoint_previous</c>. A resumed run loads the newest of these that is whole and says when it had to fall back,
/// so neither a kill mid-write nor bytes damaged on disk afterwards lose the run.
/// </remarks>
public static class TrainingCheckpoint
{
    public const string FileName = "checkpoint_last.safetensors";

    private const string StateKey = "nirhost.training_state";

    /// <summary>The checkpoint before the last one, kept until the last one is known to be whole.</summary>
    public const string PreviousFileName = "checkpoint_previous.safetensors";

    /// <summary>A checkpoint written but not yet verified and put in place.</summary>
    public const string NextFileName = "checkpoint_next.safetensors";

    public static string PathIn(string runFolder) => Path.Combine(runFolder, FileName);

    /// <summary>Prefixes of the entries that belong to neither the model, the criterion nor the optimizer.</summary>
    public static readonly string[] ExtraPrefixes = ["sampler.", "miner.", "epoch."];

    /// <returns>The path of the checkpoint written (<see cref="FileName"/> in the run folder).</returns>
    public static string Save(string runFolder, Architecture model, Criterion criterion, OptimizerHelper optimizer, CheckpointState state,
        IReadOnlyDictionary<string, Tensor>? extras = null)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            tensors["model." + name] = tensor;
        }
        foreach (var (name, tensor) in criterion.state_dict())
        {
            tensors["criterion." + name] = tensor;
        }
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in OptimizerStateTensors.Capture(optimizer))
        {
            tensors[name] = tensor;
        }
        foreach (var (name, tensor) in extras ?? new Dictionary<string, Tensor>())
        {
            if (!ExtraPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Checkpoint entry {name} has none of the prefixes {string.Join(", ", ExtraPrefixes)}.", nameof(extras));
            }
            tensors[name] = tensor;
        }
        var next = Path.Combine(runFolder, NextFileName);
        SafeTensorsFile.Write(next, tensors, new Dictionary<string, string>
        {
            [StateKey] = state.ToJson(),
            ["format"] = "nirhost-training-checkpoint",
        });
        SafeTensorsFile.Verify(next);
        var last = PathIn(runFolder);
        try
        {
            if (File.Exists(last))
            {
                AtomicFile.Replace(last, Path.Combine(runFolder, PreviousFileName));
            }
            AtomicFile.Replace(next, last);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not put the new checkpoint {next} in place of {last}: {e.Message}", e);
        }
        return last;
    }

    /// <summary>
    /// Loads the run folder's newest whole checkpoint into the freshly built model, criterion and optimizer and returns
    /// its state with the entries under <see cref="ExtraPrefixes"/> (which the caller disposes) and the file it came
    /// from, or null when the run ended before its first checkpoint. A damaged or unreadable checkpoint is passed over
    /// for the one before it, with a notice; temporary files of writes that did not finish are removed.
    /// </summary>
    public static (CheckpointState State, Dictionary<string, Tensor> Extras, string Source)? Restore(string runFolder, Architecture model,
        Criterion criterion, OptimizerHelper optimizer, Action<string>? notice = null)
    {
        foreach (var leftover in new[] { FileName, NextFileName, PreviousFileName }.Select(name => Path.Combine(runFolder, name + ".tmp")))
        {
            if (File.Exists(leftover))
            {
                notice?.Invoke($"Removed {leftover}, left by a checkpoint write that did not finish.");
                File.Delete(leftover);
            }
        }
        // Newest first: a checkpoint_next was written after checkpoint_last but not yet put in its place.
        var candidates = new[] { NextFileName, FileName, PreviousFileName }.Select(name => Path.Combine(runFolder, name)).Where(File.Exists).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }
        var failures = new List<string>();
        foreach (var path in candidates)
        {
            try
            {
                var (state, extras) = Load(path, model, criterion, optimizer);
                if (failures.Count > 0)
                {
                    notice?.Invoke($"Resuming from {path} (epoch {state.CompletedEpochs}): {string.Join(" ", failures)}");
                }
                return (state, extras, path);
            }
            catch (InvalidDataException e)
            {
                failures.Add($"{Path.GetFileName(path)} cannot be used ({TrainingFaults.FirstLine(e.Message)}).");
            }
        }
        throw new InvalidDataException($"No usable checkpoint in {runFolder}: {string.Join(" ", failures)}");
    }

    private static (CheckpointState State, Dictionary<string, Tensor> Extras) Load(string path, Architecture model, Criterion criterion,
        OptimizerHelper optimizer)
    {
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(path);
        var extras = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var handedOver = false;
        try
        {
            if (!metadata.TryGetValue(StateKey, out var json))
            {
                throw new InvalidDataException($"{path} has no training state in its metadata; it is not a NirHost training checkpoint.");
            }
            var state = CheckpointState.FromJson(json, path);
            LoadModule(model, "model.", tensors, path);
            LoadModule(criterion, "criterion.", tensors, path);
            OptimizerStateTensors.Restore(optimizer, tensors, path);
            foreach (var (name, tensor) in tensors.Where(pair => ExtraPrefixes.Any(p => pair.Key.StartsWith(p, StringComparison.Ordinal))))
            {
                extras[name] = tensor;
            }
            var unknown = tensors.Keys.Where(k => !k.StartsWith("model.", StringComparison.Ordinal)
                && !k.StartsWith("criterion.", StringComparison.Ordinal)
                && !k.StartsWith(OptimizerStateTensors.Prefix, StringComparison.Ordinal)
                && !extras.ContainsKey(k)).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidDataException($"{path}: unexpected entries {string.Join(", ", unknown.Take(5))}.");
            }
            handedOver = true;
            return (state, extras);
        }
        finally
        {
            // The extras go to the caller; everything else (and everything, on failure) is freed here.
            foreach (var (name, tensor) in tensors)
            {
                if (!handedOver || !extras.ContainsKey(name))
                {
                    tensor.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Loads the model weights (<c>model.*</c>) of a training checkpoint or a <c>--store_improvements</c> checkpoint into
    /// <paramref name="model"/>; everything else in the file is ignored. A file that does not fit is an error naming it.
    /// </summary>
    public static void LoadModel(string path, Architecture model)
    {
        var tensors = SafeTensorsFile.Read(path);
        try
        {
            if (!tensors.Keys.Any(k => k.StartsWith("model.", StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"{path} holds no model weights (no 'model.' entries); give a checkpoint of a NirHost run.");
            }
            LoadModule(model, "model.", tensors, path);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Copies every entry under <paramref name="prefix"/> into the module; names and shapes must match exactly.</summary>
    private static void LoadModule(nn.Module module, string prefix, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var target = module.state_dict();
        var saved = tensors.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value, StringComparer.Ordinal);
        var missing = target.Keys.Where(k => !saved.ContainsKey(k)).ToList();
        var unexpected = saved.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{source} does not fit this run's {prefix.TrimEnd('.')}: " +
                (missing.Count > 0 ? $"missing {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? ", ..." : "")}. " : "") +
                (unexpected.Count > 0 ? $"unexpected {string.Join(", ", unexpected.Take(8))}{(unexpected.Count > 8 ? ", ..." : "")}." : ""));
        }
        using var _ = no_grad();
        foreach (var (name, tensor) in target)
        {
            var value = saved[name];
            if (!value.shape.SequenceEqual(tensor.shape) || value.dtype != tensor.dtype)
            {
                throw new InvalidDataException(
                    $"{source}: {prefix}{name} is {value.dtype} [{string.Join(", ", value.shape)}], this run's is {tensor.dtype} [{string.Join(", ", tensor.shape)}].");
            }
            tensor.copy_(value);
        }
    }
}
