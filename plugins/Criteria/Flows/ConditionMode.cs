namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// Which coupling blocks of a conditional flow see a condition, and how the condition is prepared
/// (NIR's <c>--loss_nir_nf_cond_mode</c>).
/// </summary>
public static class ConditionMode
{
    /// <summary>Every block sees the raw condition.</summary>
    public const string Dense = "dense";

    /// <summary>Every block sees the condition passed through one shared MLP.</summary>
    public const string DenseEmbed = "dense_embed";

    /// <summary>Each block sees the condition passed through its own MLP.</summary>
    public const string DenseEmbedMulti = "dense_embed_multi";

    /// <summary>Block k sees the condition passed through MLPs 0..k in sequence.</summary>
    public const string DenseEmbedMultiStacked = "dense_embed_multi_stacked";

    /// <summary>Only the first block sees the raw condition.</summary>
    public const string Start = "start";

    /// <summary>Only block ⌊n / 2⌋ sees the raw condition.</summary>
    public const string Mid = "mid";

    /// <summary>Only the last block sees the raw condition.</summary>
    public const string End = "end";

    public static readonly string[] All = [Dense, DenseEmbed, DenseEmbedMulti, DenseEmbedMultiStacked, Start, Mid, End];

    public static bool IsDense(string mode) => mode.StartsWith(Dense, StringComparison.Ordinal);

    /// <summary>For each of <paramref name="blocks"/> coupling blocks, whether it takes a condition.</summary>
    public static bool[] ConditionedBlocks(string mode, int blocks)
    {
        Validate(mode);
        var conditioned = new bool[blocks];
        if (IsDense(mode))
        {
            Array.Fill(conditioned, true);
        }
        else if (blocks > 0)
        {
            conditioned[mode switch { Start => 0, Mid => blocks / 2, _ => blocks - 1 }] = true;
        }
        return conditioned;
    }

    public static void Validate(string mode)
    {
        if (!All.Contains(mode, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown condition mode '{mode}'; expected one of {string.Join(", ", All)}.", nameof(mode));
        }
    }
}
