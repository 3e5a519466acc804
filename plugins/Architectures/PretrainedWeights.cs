using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NirHost.Plugins.Architectures;

/// <summary>
/// Loads a PyTorch state dict into a backbone. Accepts torchvision and pretrainedmodels key names, with or
/// without the original's <c>model.</c> prefix (its saved networks) or DataParallel's <c>module.</c> prefix.
/// The ImageNet classifier (<c>fc</c> / <c>last_linear</c>) is never loaded: the embedding head replaces it.
/// </summary>
internal static class PretrainedWeights
{
    private static readonly string[] ClassifierPrefixes = ["fc.", "last_linear."];

    /// <summary>Copies the file's tensors into <paramref name="module"/> and returns how many were loaded.</summary>
    public static int Load(nn.Module module, string file)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"--pretrained_weights {file} does not exist.", file);
        }
        var source = Read(file);
        try
        {
            var target = module.state_dict()
                .Where(pair => !ClassifierPrefixes.Any(pair.Key.StartsWith))
                .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, tensor) in source)
            {
                var name = Normalise(key);
                if (name is not null)
                {
                    given[name] = tensor;
                }
            }
            // BatchNorm's step counter is absent from older files (pretrainedmodels) and unused in eval mode.
            static bool Optional(string key) => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal);
            var missing = target.Keys.Where(k => !given.ContainsKey(k) && !Optional(k)).Order(StringComparer.Ordinal).ToList();
            var unexpected = given.Keys.Where(k => !target.ContainsKey(k) && !Optional(k)).Order(StringComparer.Ordinal).ToList();
            var mismatched = given.Where(pair => target.TryGetValue(pair.Key, out var t) && !t.shape.SequenceEqual(pair.Value.shape))
                .Select(pair => $"{pair.Key} (file [{string.Join(", ", pair.Value.shape)}], network [{string.Join(", ", target[pair.Key].shape)}])")
                .Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count > 0)
            {
                throw new InvalidDataException($"--pretrained_weights {file} does not fit the network:" +
                    Describe("missing keys", missing) + Describe("unexpected keys", unexpected) + Describe("shape mismatches", mismatched));
            }
            using var _ = no_grad();
            var loaded = 0;
            foreach (var (key, tensor) in target)
            {
                if (given.TryGetValue(key, out var value))
                {
                    tensor.copy_(value.to(tensor.dtype));
                    loaded++;
                }
            }
            return loaded;
        }
        finally
        {
            foreach (var tensor in source.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private static Dictionary<string, Tensor> Read(string file)
    {
        try
        {
            if (file.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                return Safetensors.LoadStateDict(file);
            }
            var table = PyTorchUnpickler.UnpickleStateDict(file);
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is string key && entry.Value is Tensor tensor)
                {
                    result[key] = tensor;
                }
            }
            return result;
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException(
                $"--pretrained_weights {file} is not a readable PyTorch state dict (torch.save(model.state_dict()) or safetensors): {e.Message}", e);
        }
    }

    /// <summary>The network's name for a file key, or null for keys that are not the backbone's.</summary>
    private static string? Normalise(string key)
    {
        foreach (var prefix in new[] { "module.", "model." })
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                key = key[prefix.Length..];
            }
        }
        // The original's networks also hold their stages a second time under layer_blocks; the classifier is replaced.
        return key.StartsWith("layer_blocks.", StringComparison.Ordinal) || ClassifierPrefixes.Any(key.StartsWith) ? null : key;
    }

    private static string Describe(string what, List<string> keys) =>
        keys.Count == 0 ? "" : $"{Environment.NewLine}  {what} ({keys.Count}): {string.Join(", ", keys.Take(20))}{(keys.Count > 20 ? ", ..." : "")}";
}
