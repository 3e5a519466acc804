using NirHost.Abstractions;

namespace NirHost.Plugins.Samplers;

/// <summary>
/// The base repository's flags for samplers that compose batches from stored embeddings of the training set
/// (<c>greedy_coreset</c>, <c>d2_coreset</c>, <c>fid_batchmatch</c>, <c>disthist_batchmatch</c>).
/// </summary>
public sealed class StorageSamplerOptions
{
    [Flag("data_batchmatch_bigbs", Help = "Size of the big batch of stored embeddings that is summarised into one training batch.", Min = 1, Max = 1_000_000)]
    public int BigBatchSize { get; set; } = 512;

    [Flag("data_batchmatch_ncomps", Help = "Number of candidate batches compared by the batch-matching samplers; the best one is used.", Min = 1, Max = 1_000_000)]
    public int Candidates { get; set; } = 10;

    [Flag("data_storage_no_update", Help = "Do not update stored embeddings with those of each training batch.")]
    public bool StorageNoUpdate { get; set; }

    [Flag("data_d2_coreset_lambda", Help = "Exponent on the summed squared distances in D2-coreset sampling.")]
    public double D2CoresetLambda { get; set; } = 1;

    [Flag("data_gc_coreset_lim", Help = "Declared by the original for greedy coreset, which never reads it; kept for command-line compatibility.")]
    public double GcCoresetLim { get; set; } = 1e-9;

    [Flag("data_sampler_lowproj_dim", Help = "Project stored embeddings to this many dimensions (random linear map) before selection; -1 keeps them.")]
    public int LowProjDim { get; set; } = -1;

    [Flag("data_sim_measure", Help = "Distance measure for batch selection; the original only implements euclidean.", Choices = ["euclidean"])]
    public string SimMeasure { get; set; } = "euclidean";

    [Flag("data_gc_softened", Help = "Soft greedy coreset: pick randomly among the points at or above the 97th percentile of distance instead of the farthest.")]
    public bool GcSoftened { get; set; }

    [Flag("data_idx_full_prec", Help = "Re-embed the whole training set before every epoch after the first (the original's full storage update).")]
    public bool IdxFullPrec { get; set; }

    [Flag("data_mb_mom", Help = "Momentum of full storage updates (with --data_idx_full_prec); <= 0 replaces the storage.")]
    public double MbMom { get; set; } = -1;

    [Flag("data_mb_lr", Help = "Step size of momentum storage updates (with --data_mb_mom > 0).")]
    public double MbLr { get; set; } = 1;
}
