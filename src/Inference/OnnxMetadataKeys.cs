namespace NirHost.Inference;

/// <summary>
/// The <c>metadata_props</c> an exported model carries, so that an application prepares images without NirHost's code:
/// an 8-bit pixel p of channel c (RGB order) becomes <c>(p / 255 * value_scale - mean[c]) / std[c]</c>, then the channels
/// are put in <c>colour_order</c>. Numbers use the invariant culture; lists are JSON arrays.
/// </summary>
public static class OnnxMetadataKeys
{
    /// <summary>Version of this set of keys; raised when their meaning changes.</summary>
    public const string FormatVersion = "nirhost.format_version";

    /// <summary>The <c>--arch</c> value with its suffixes, e.g. <c>resnet50_frozen_normalize</c>.</summary>
    public const string Architecture = "nirhost.architecture";

    /// <summary>Side of the square images the run was trained and evaluated on, in pixels; 0 when unknown.</summary>
    public const string InputSize = "nirhost.input_size";

    /// <summary>1 (gray) or 3 (colour).</summary>
    public const string Channels = "nirhost.channels";

    /// <summary>Per-channel mean, RGB order, JSON array.</summary>
    public const string Mean = "nirhost.mean";

    /// <summary>Per-channel standard deviation, RGB order, JSON array.</summary>
    public const string Std = "nirhost.std";

    /// <summary><c>rgb</c> or <c>bgr</c>: the order of the input's colour channels.</summary>
    public const string ColourOrder = "nirhost.colour_order";

    /// <summary>Multiplier of p / 255 before the mean is subtracted (1 for torchvision's ToTensor).</summary>
    public const string ValueScale = "nirhost.value_scale";

    /// <summary>The preprocessing formula above, in words, for people reading the file.</summary>
    public const string Preprocessing = "nirhost.preprocessing";

    public const string EmbeddingDim = "nirhost.embedding_dim";

    public const string PooledDim = "nirhost.pooled_dim";

    /// <summary><c>true</c> when the embeddings are L2-normalised inside the model (<c>_normalize</c>).</summary>
    public const string Normalized = "nirhost.normalized";

    /// <summary>The run's <c>config.json</c>: its command, arguments and every flag's value.</summary>
    public const string Config = "nirhost.config";

    /// <summary>The checkpoint file the weights came from.</summary>
    public const string Checkpoint = "nirhost.checkpoint";
}
