namespace NirHost.Abstractions;

/// <summary>A criterion built by name, with the batch miner it runs with when it needs one.</summary>
public sealed record BuiltCriterion(Criterion Criterion, IBatchMiner? Miner);

/// <summary>
/// Builds criteria by name, for criteria that combine others (S2SD trains its source and target embeddings
/// with criteria chosen by flags). The host provides it; a criterion asks for it in its constructor.
/// </summary>
public interface ICriterionFactory
{
    /// <summary>
    /// Builds the criterion <paramref name="name"/> as <c>--loss</c> would, with its flags, for
    /// <paramref name="setup"/> (which may differ from the run's, say in <see cref="TrainingSetup.EmbedDim"/>).
    /// When it needs a batch miner, <c>--batch_mining</c> must be one it allows and is built for it.
    /// <paramref name="flag"/> names the flag that chose it, for error messages.
    /// </summary>
    BuiltCriterion Create(string name, TrainingSetup setup, string flag);
}
