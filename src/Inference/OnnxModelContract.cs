using System.Globalization;
using System.Text.Json;
using NirHost.Imaging;

namespace NirHost.Inference;

/// <summary>
/// What a model exported by <c>nirhost export --onnx</c> says about itself in its <c>nirhost.*</c> metadata
/// (<see cref="OnnxMetadataKeys"/>): the input it takes, as <see cref="ImageInput"/>, and the embeddings it gives.
/// </summary>
public sealed record OnnxModelContract(ImageInput Input, int EmbeddingDim, bool Normalized, string Architecture, string? Checkpoint)
{
    /// <summary>The graph's input, [batch, C, H, W] float32.</summary>
    public const string InputName = "images";

    /// <summary>The graph's embeddings output, [batch, embedding_dim].</summary>
    public const string EmbeddingsName = "embeddings";

    /// <summary>The graph's pooled backbone features, [batch, pooled_dim].</summary>
    public const string PooledFeaturesName = "pooled_features";

    /// <summary>The <see cref="OnnxMetadataKeys.FormatVersion"/> this reader understands.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The contract in <paramref name="metadata"/> (an ONNX model's <c>metadata_props</c>); <paramref name="file"/> names the
    /// model in errors, which name the missing or malformed key.
    /// </summary>
    public static OnnxModelContract Read(IReadOnlyDictionary<string, string> metadata, string file)
    {
        string Key(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException(
                $"{file}: not a NirHost model, or exported by another tool: its metadata lacks {key} (export one with nirhost export RUN_FOLDER --onnx FILE).");
        InvalidDataException Bad(string key, string why) => new($"{file}: metadata {key} = '{metadata[key]}' {why}.");
        int Integer(string key) => int.TryParse(Key(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value : throw Bad(key, "is not an integer");
        float[] Floats(string key)
        {
            try
            {
                return JsonSerializer.Deserialize<double[]>(Key(key))?.Select(v => (float)v).ToArray() ?? throw Bad(key, "is null");
            }
            catch (JsonException)
            {
                throw Bad(key, "is not a JSON array of numbers");
            }
        }

        var version = Integer(OnnxMetadataKeys.FormatVersion);
        if (version != FormatVersion)
        {
            throw Bad(OnnxMetadataKeys.FormatVersion, $"is not the version this NirHost reads ({FormatVersion}); export the model again with this NirHost");
        }
        var colourOrder = Key(OnnxMetadataKeys.ColourOrder) switch
        {
            "rgb" => ImageColourOrder.Rgb,
            "bgr" => ImageColourOrder.Bgr,
            _ => throw Bad(OnnxMetadataKeys.ColourOrder, "is neither rgb nor bgr"),
        };
        if (!float.TryParse(Key(OnnxMetadataKeys.ValueScale), NumberStyles.Float, CultureInfo.InvariantCulture, out var valueScale))
        {
            throw Bad(OnnxMetadataKeys.ValueScale, "is not a number");
        }
        var normalized = Key(OnnxMetadataKeys.Normalized) switch
        {
            "true" => true,
            "false" => false,
            _ => throw Bad(OnnxMetadataKeys.Normalized, "is neither true nor false"),
        };
        ImageInput input;
        try
        {
            input = new ImageInput(Integer(OnnxMetadataKeys.InputSize), Integer(OnnxMetadataKeys.Channels), Floats(OnnxMetadataKeys.Mean),
                Floats(OnnxMetadataKeys.Std), colourOrder, valueScale);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: its nirhost.* input metadata does not describe an input: {e.Message}", e);
        }
        var dimension = Integer(OnnxMetadataKeys.EmbeddingDim);
        if (dimension <= 0)
        {
            throw Bad(OnnxMetadataKeys.EmbeddingDim, "is not positive");
        }
        return new OnnxModelContract(input, dimension, normalized, Key(OnnxMetadataKeys.Architecture),
            metadata.GetValueOrDefault(OnnxMetadataKeys.Checkpoint));
    }
}
