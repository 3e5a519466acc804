namespace NirHost.Plugins.Criteria;

/// <summary>
/// The batch miners that produce (anchor, positive, negative) triplets: what the original's triplet-based
/// criteria allow (its ALLOWED_MINING_OPS lists every miner, but only these produce triplets). Attribute
/// arguments must be constants, so each criterion repeats this list; a test keeps them equal.
/// </summary>
public static class TripletMiners
{
    public static readonly string[] Names =
        ["random", "semihard", "softhard", "distance", "rho_distance", "parametric", "random_distance", "intra_random"];
}
