using System.Text.Json;
using System.Text.Json.Serialization;
using NirHost.Host.IO;

namespace NirHost.Host.Training;

/// <summary>
/// A run folder's <c>config.json</c>: the command that started the run, its arguments exactly as given (what
/// <c>--resume</c> rebuilds the run from) and every flag's effective value (what a resumed run is checked against).
/// The run folder writes it and <c>--resume</c> reads it through this one type.
/// </summary>
public sealed record RunConfigFile
{
    public const string FileName = "config.json";

    // Flags are text, but the file follows the run folder's one rule for JSON (newlines, non-finite numbers) all the same.
    internal static readonly JsonSerializerOptions Json = NonFiniteNumbers.Json(indented: true);

    [JsonPropertyName("command")]
    public string Command { get; init; } = "";

    /// <summary>The arguments as given; null in a file written before NirHost recorded them.</summary>
    [JsonPropertyName("arguments")]
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Every flag's effective value, formatted as <c>Parameter_Info.txt</c> shows it, in catalog order.</summary>
    [JsonPropertyName("flags")]
    public IReadOnlyDictionary<string, string>? Flags { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>config.json</c>; a file that is not such a document is an error naming it.</summary>
    public static RunConfigFile Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfigFile>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a run configuration ({e.Message}).", e);
        }
    }
}
