using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>Evaluation flags of the original's <c>basic_training_parameters</c>.</summary>
public sealed class EvaluationOptions
{
    [Flag("evaluation_metrics", Help = "Metrics computed every epoch (Metrics components, e.g. e_recall@1).")]
    public string[] EvaluationMetrics { get; set; } = ["e_recall@1", "e_recall@2", "e_recall@4", "e_recall@10", "nmi", "f1", "mAP_1000"];

    [Flag("evaltypes", Help = "Network outputs evaluated, each on its own: embeds (the embedding) and/or avg_features (the pooled backbone features; its metrics are logged as avg_features/<metric>).")]
    public string[] Evaltypes { get; set; } = ["embeds"];

    [Flag("storage_metrics", Help = "Improvement in these metrics triggers checkpointing (with --store_improvements).")]
    public string[] StorageMetrics { get; set; } = ["e_recall@1"];

    [Flag("store_improvements", Help = "Store a checkpoint whenever a storage metric improves on the test split.")]
    public bool StoreImprovements { get; set; }

    [Flag("no_train_metrics", Help = "Do not compute metrics on the training split.")]
    public bool NoTrainMetrics { get; set; }

    [Flag("no_test_metrics", Help = "Do not compute metrics on the test split.")]
    public bool NoTestMetrics { get; set; }

    [Flag("evaluate_on_cpu", Help = "Compute evaluation metrics on the CPU.")]
    public bool EvaluateOnCpu { get; set; }
}
