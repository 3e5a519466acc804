using System.Text.Json;
using System.Text.Json.Serialization;
using NirHost.Host.IO;

namespace NirHost.Host.Training;

/// <summary>What <c>summary.json</c> records: best and last value of every metric, epochs and wall time.</summary>
public sealed class RunSummary
{
    [JsonPropertyName("run_folder")]
    public string RunFolder { get; set; } = "";

    /// <summary>running, completed, interrupted, diverged or failed: a run folder says how its run ended.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = RunStatus.Running;

    /// <summary>Why the run stopped early (null for a completed run).</summary>
    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; set; }

    /// <summary>Steps whose update was dropped because something was not finite (<c>--on_nonfinite skip</c>).</summary>
    [JsonPropertyName("skipped_steps")]
    public int SkippedSteps { get; set; }

    /// <summary>Times the run went back to a good state after something was not finite (<c>--on_nonfinite rollback</c>).</summary>
    [JsonPropertyName("rollbacks")]
    public int Rollbacks { get; set; }

    /// <summary>What the rollbacks multiplied every learning rate by (1 without rollbacks).</summary>
    [JsonPropertyName("learning_rate_scale")]
    public double LearningRateScale { get; set; } = 1;

    [JsonPropertyName("epochs")]
    public int Epochs { get; set; }

    [JsonPropertyName("wall_time_s")]
    public double WallTimeSeconds { get; set; }

    /// <summary>Epochs at which the run was continued with --resume.</summary>
    [JsonPropertyName("resumed_at_epochs")]
    public List<int> ResumedAtEpochs { get; set; } = [];

    [JsonPropertyName("train_loss")]
    public List<double> TrainLoss { get; set; } = [];

    /// <summary>
    /// Each parameter group's learning rate in every epoch, by group name (the CSV logs, as the original's, hold none),
    /// so that a report can show the schedule. Runs recorded before this entry existed have none.
    /// </summary>
    [JsonPropertyName("learning_rates")]
    public Dictionary<string, List<double>> LearningRates { get; set; } = [];

    /// <summary>Per split ("Test", "Train"), per metric: best and last value and the best epoch.</summary>
    [JsonPropertyName("metrics")]
    public Dictionary<string, Dictionary<string, MetricSummary>> Metrics { get; set; } = [];

    public void Record(string split, int epoch, IReadOnlyDictionary<string, double> values)
    {
        if (!Metrics.TryGetValue(split, out var bySplit))
        {
            Metrics[split] = bySplit = [];
        }
        foreach (var (name, value) in values)
        {
            if (!bySplit.TryGetValue(name, out var summary))
            {
                bySplit[name] = summary = new MetricSummary { Best = value, BestEpoch = epoch };
            }
            else if (value > summary.Best)
            {
                summary.Best = value;
                summary.BestEpoch = epoch;
            }
            summary.Last = value;
        }
    }

    /// <summary>Appends an epoch's rates; a name that two groups share gets a number, so that neither hides the other.</summary>
    public void RecordLearningRates(IReadOnlyList<(string Group, double Rate)> rates)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (group, rate) in rates)
        {
            var count = seen[group] = seen.GetValueOrDefault(group) + 1;
            var name = count == 1 ? group : $"{group} {count}";
            if (!LearningRates.TryGetValue(name, out var series))
            {
                LearningRates[name] = series = [];
            }
            series.Add(rate);
        }
    }

    // An epoch whose every step was skipped has no mean loss: written as "NaN" by the run folder's one rule for such numbers.
    internal static readonly JsonSerializerOptions Json = new(NonFiniteNumbers.Json(indented: true))
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunSummary FromJson(string json) =>
        JsonSerializer.Deserialize<RunSummary>(json, Json) ?? throw new InvalidDataException("summary.json is empty.");
}

public sealed class MetricSummary
{
    [JsonPropertyName("best")]
    public double Best { get; set; }

    [JsonPropertyName("best_epoch")]
    public int BestEpoch { get; set; }

    [JsonPropertyName("last")]
    public double Last { get; set; }
}

/// <summary>The values of <c>summary.json</c>'s <c>status</c>.</summary>
public static class RunStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Interrupted = "interrupted";
    public const string Diverged = "diverged";
    public const string Failed = "failed";
}
