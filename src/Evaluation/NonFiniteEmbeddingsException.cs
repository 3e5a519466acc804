namespace NirHost.Evaluation;

/// <summary>Embeddings holding NaN or infinity: metrics on them would be numbers without meaning, so none are computed.</summary>
public sealed class NonFiniteEmbeddingsException(string message) : Exception(message);
