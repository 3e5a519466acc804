namespace NirHost.Abstractions;

/// <summary>
/// What a batch miner produces for its criterion. Criteria list the miners they allow by name; a miner of a name no
/// criterion lists (a plugin's own) is taken by the criteria whose allowed miners mine the same kind.
/// </summary>
public enum MinedKind
{
    /// <summary>(anchor, positive, negative) index triplets, <see cref="IBatchMiner.Mine"/> (the original's triplet miners).</summary>
    Triplets,

    /// <summary>Anchors with sets of positives and negatives, <see cref="IBatchMiner.MineSets"/> (the original's npair and lifted).</summary>
    AnchorSets,
}
