namespace NirHost.Abstractions;

/// <summary>
/// Builds criteria by name, for criteria that combine others (S2SD trains its source and target embeddings
/// with criteria chosen by flags). The host provides it; a criterion asks for it in its constructor.
/// </summary>
public interface ICriterionFactory
{
    /// <summary>
    /// Builds the criterion <paramref name="name"/> as <c>--loss</c> would, with its flags, for
    /// <paramref name="setup"/> (which may differ from the run's, say in <see cref="TrainingSetup.EmbedDim"/>).
    /// When it needs a batch miner, <c>--batch_mining</c> must be one it allows; that miner is built first and
    /// passed to its constructor. <paramref name="flag"/> names the flag that chose it, for error messages.
    /// </summary>
    Criterion Create(string name, TrainingSetup setup, string flag);
}
