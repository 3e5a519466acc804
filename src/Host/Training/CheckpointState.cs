using System.Text.Json;
using System.Text.Json.Serialization;
using NirHost.Host.IO;

namespace NirHost.Host.Training;

/// <summary>
/// Everything of a run at an epoch boundary (or, after an interruption, inside an epoch) that is not a tensor: how
/// far it got, the learning rates, the best-metric bookkeeping, the summary and how many rows each CSV log held. It travels inside the checkpoint's
/// safetensors metadata, so weights and bookkeeping are renamed into place together and can never disagree.
/// </summary>
/// <remarks>
/// At an epoch boundary random state needs no entry: like the original, the trainer reseeds libtorch and its own
/// generator from <c>n_epochs * seed + epoch</c> at the start of every epoch, so that state is a function of the
/// flags. Inside an epoch it is not: <see cref="InEpoch"/> carries it.
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

    /// <summary>
    /// Set when the run was interrupted inside epoch <see cref="CompletedEpochs"/>: how far that epoch got, so that
    /// a resumed run continues at the next step instead of redoing the epoch.
    /// </summary>
    [JsonPropertyName("in_epoch")]
    public EpochProgress? InEpoch { get; set; }

    // A run whose every step of an epoch was skipped, or whose metrics are NaN, still saves its checkpoint.
    private static readonly JsonSerializerOptions Json = NonFiniteNumbers.Json(indented: false);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CheckpointState FromJson(string json, string source)
    {
        try
        {
            var state = JsonSerializer.Deserialize<CheckpointState>(json, Json) ?? throw new InvalidDataException($"{source}: empty training state.");
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

/// <summary>
/// The part of an epoch done before an interruption. Its tensors (the epoch's batches, their augmentation seeds,
/// libtorch's generator) are <c>epoch.*</c> entries of the checkpoint.
/// </summary>
public sealed class EpochProgress
{
    [JsonPropertyName("steps_done")]
    public int StepsDone { get; set; }

    /// <summary>The losses of the steps done, for the epoch's mean loss.</summary>
    [JsonPropertyName("losses")]
    public List<double> Losses { get; set; } = [];

    /// <summary>The trainer's generator (<see cref="ResumableRandom"/>) after the last step done.</summary>
    [JsonPropertyName("random_state")]
    public int[] RandomState { get; set; } = [];

    [JsonPropertyName("elapsed_seconds")]
    public double ElapsedSeconds { get; set; }

    /// <summary>With <c>--on_nonfinite skip</c>: the steps skipped in a row just before the interruption.</summary>
    [JsonPropertyName("consecutive_skips")]
    public int ConsecutiveSkips { get; set; }

    /// <summary>
    /// With <c>--on_nonfinite rollback</c>: the good state the run held in memory (its tensors are the
    /// <c>epoch.rollback.*</c> entries), so that a resumed run rolls back where the uninterrupted one would.
    /// </summary>
    [JsonPropertyName("rollback")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RollbackPosition? Rollback { get; set; }
}
