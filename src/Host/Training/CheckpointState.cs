using System.Text.Json;
using System.Text.Json.Serialization;

namespace NirHost.Host.Training;

/// <summary>
/// Everything of a run at an epoch boundary that is not a tensor: how far it got, the learning rates, the
/// best-metric bookkeeping, the summary and how many rows each CSV log held. It travels inside the checkpoint's
/// safetensors metadata, so weights and bookkeeping are renamed into place together and can never disagree.
/// </summary>
/// <remarks>
/// Random state needs no entry: like the original, the trainer reseeds libtorch and its own
/// <see cref="System.Random"/> from <c>n_epochs * seed + epoch</c> at the start of every epoch, so the state
/// at an epoch boundary is a function of the flags.
/// </remarks>
public sealed class CheckpointState
{
    public const int CurrentFormat = 1;

    [JsonPropertyName("format")]
    public int Format { get; set; } = CurrentFormat;

    /// <summary>Epochs fully trained, evaluated and logged; a resumed run starts at this epoch.</summary>
    [JsonPropertyName("completed_epochs")]
    public int CompletedEpochs { get; set; }

    [JsonPropertyName("optimizer")]
    public string Optimizer { get; set; } = "";

    [JsonPropertyName("scheduler")]
    public string Scheduler { get; set; } = "";

    /// <summary>Each parameter group's learning rate after the scheduler stepped, to check a resumed schedule.</summary>
    [JsonPropertyName("learning_rates")]
    public List<double> LearningRates { get; set; } = [];

    /// <summary>Best test value so far of each --storage_metrics entry (for --store_improvements).</summary>
    [JsonPropertyName("best_storage_metrics")]
    public Dictionary<string, double> BestStorageMetrics { get; set; } = [];

    /// <summary>Data rows of each file in CSV_Logs when the checkpoint was written.</summary>
    [JsonPropertyName("csv_rows")]
    public Dictionary<string, int> CsvRows { get; set; } = [];

    [JsonPropertyName("summary")]
    public RunSummary Summary { get; set; } = new();

    public string ToJson() => JsonSerializer.Serialize(this);

    public static CheckpointState FromJson(string json, string source)
    {
        try
        {
            var state = JsonSerializer.Deserialize<CheckpointState>(json) ?? throw new InvalidDataException($"{source}: empty training state.");
            if (state.Format != CurrentFormat)
            {
                throw new InvalidDataException($"{source}: checkpoint format {state.Format}; this NirHost reads format {CurrentFormat}.");
            }
            return state;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the training state in its metadata is not valid JSON ({e.Message}).", e);
        }
    }
}
