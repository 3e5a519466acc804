namespace NirHost.Retrieval;

/// <summary>What embedding images into an embeddings file did: rows written, their width, and the images left out as unreadable.</summary>
public sealed record EmbeddingOutcome(int Count, int Dimension, int Skipped, string? FirstSkipped);
