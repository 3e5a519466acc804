namespace NirHost.Abstractions;

/// <summary>
/// The host's data flags as a dataset reads them: <c>--source_path</c>, <c>--use_tv_split</c>,
/// <c>--tv_split_by_samples</c>, <c>--tv_split_perc</c>, <c>--augmentation</c> and <c>--kernels</c>, the original's
/// basic data parameters. A dataset takes this in its constructor instead of declaring those flags again; its own
/// options type holds only what is its own. What the selected architecture wants as input comes separately, as an
/// <see cref="InputContract"/>.
/// </summary>
public sealed record DataSettings
{
    /// <summary>Folder holding the datasets; a dataset reads <c>SourcePath/&lt;its name&gt;</c>.</summary>
    public string SourcePath { get; init; } = "";

    public bool UseTvSplit { get; init; }

    /// <summary>Split training from validation within each class rather than between classes.</summary>
    public bool TvSplitBySamples { get; init; }

    /// <summary>Fraction of the training set kept for training when validation is split off.</summary>
    public double TvSplitPerc { get; init; }

    /// <summary>
    /// Training augmentation variant: base, adv, red, big, or none (no random transform: training batches are
    /// prepared as evaluation batches are).
    /// </summary>
    public string Augmentation { get; init; } = "base";

    /// <summary>Worker threads for loading.</summary>
    public int Kernels { get; init; } = 6;
}
