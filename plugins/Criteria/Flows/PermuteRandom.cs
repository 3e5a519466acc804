using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// A fixed random permutation of the feature dimension (FrEIA's <c>PermuteRandom</c>): output = input[:, perm].
/// The permutation for a seed is numpy's <c>RandomState(seed).permutation(channels)</c>, so a flow built here
/// permutes exactly as the original's block with the same index. Both index vectors are buffers named as in
/// the original, so they are saved in and restored from checkpoints but never trained.
/// </summary>
public sealed class PermuteRandom : InvertibleBlock
{
    private readonly Tensor perm;
    private readonly Tensor perm_inv;

    public PermuteRandom(int channels, uint seed) : this(new NumpyLegacyRandom(seed).Permutation(channels))
    {
    }

    public PermuteRandom(long[] permutation) : base(nameof(PermuteRandom))
    {
        var inverse = new long[permutation.Length];
        var seen = new bool[permutation.Length];
        for (var i = 0; i < permutation.Length; i++)
        {
            var target = permutation[i];
            if (target < 0 || target >= permutation.Length || seen[target])
            {
                throw new ArgumentException($"Not a permutation of 0..{permutation.Length - 1}.", nameof(permutation));
            }
            seen[target] = true;
            inverse[target] = i;
        }
        Channels = permutation.Length;
        perm = tensor(permutation, dtype: int64);
        perm_inv = tensor(inverse, dtype: int64);
        register_buffer(nameof(perm), perm);
        register_buffer(nameof(perm_inv), perm_inv);
    }

    public int Channels { get; }

    /// <summary>The current forward permutation (after any checkpoint load), as a CPU copy.</summary>
    public long[] Permutation => Buffer(nameof(perm)).cpu().data<long>().ToArray();

    public override (Tensor Output, Tensor? LogDet) Forward(Tensor x, Tensor? condition, bool reverse) =>
        (x.index_select(1, Buffer(reverse ? nameof(perm_inv) : nameof(perm))), null);

    // Read through the registry: loading a state dict or moving devices may replace the registered tensors.
    private Tensor Buffer(string name) => get_buffer(name)!;
}
