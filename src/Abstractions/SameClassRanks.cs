namespace NirHost.Abstractions;

/// <summary>
/// For every sample, the 1-based positions in its neighbour ranking (nearest first, the sample itself
/// excluded) at which samples of its own class appear, ascending, up to <see cref="Depth"/>. Recall@k,
/// every average-precision variant and R-precision follow from these alone, and they take
/// memory proportional to the same-class pairs found rather than to N x depth.
/// </summary>
public sealed class SameClassRanks
{
    private readonly int[] _offsets;
    private readonly int[] _ranks;

    /// <param name="depth">How deep the ranking was searched.</param>
    /// <param name="offsets">N + 1 ascending offsets into <paramref name="ranks"/>.</param>
    /// <param name="ranks">The ranks of all samples, concatenated.</param>
    public SameClassRanks(int depth, int[] offsets, int[] ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offsets.Length, 1);
        if (offsets[0] != 0 || offsets[^1] != ranks.Length)
        {
            throw new ArgumentException("Offsets must start at 0 and end at the number of ranks.", nameof(offsets));
        }
        Depth = depth;
        _offsets = offsets;
        _ranks = ranks;
    }

    public int Depth { get; }

    public int Count => _offsets.Length - 1;

    /// <summary>Ranks of <paramref name="sample"/>'s own class, ascending, each at most <see cref="Depth"/>.</summary>
    public ReadOnlySpan<int> Of(int sample) => _ranks.AsSpan(_offsets[sample], _offsets[sample + 1] - _offsets[sample]);
}
