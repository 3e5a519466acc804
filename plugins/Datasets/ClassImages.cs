namespace NirHost.Plugins.Datasets;

/// <summary>One class of an image dataset: its name in the dataset and its image files, in the original's order.</summary>
internal sealed record ClassImages(string Name, IReadOnlyList<string> Paths);
