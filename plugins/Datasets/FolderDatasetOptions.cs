using NirHost.Abstractions;

namespace NirHost.Plugins.Datasets;

/// <summary>Flags of <c>--dataset folder</c>: the image flags (<see cref="ImageDatasetOptions"/>) and how classes are split.</summary>
public sealed class FolderDatasetOptions : ImageDatasetOptions
{
    /// <summary>The default <c>--folder_split</c>: the first half of the sorted classes trains.</summary>
    public const string Half = "half";

    [Flag("folder_split", Help = "How --dataset folder splits a class-folder tree: 'half' (the default) trains on the first half of the " +
        "class folders in sorted order and tests on the rest, as for CUB200; or a text file naming the training class folders, one a line " +
        "('#' starts a comment), every other class testing. A CSV source carries its own split column instead.")]
    public string FolderSplit { get; set; } = Half;
}
