using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// FrEIA's <c>GLOWCouplingBlock</c>: the input splits into halves x1, x2 (x1 gets round(D / 2) channels).
/// Forward: y1 = exp(s2) * x1 + t2 with [s2, t2] = subnet2([x2, c]); then y2 = exp(s1) * x2 + t1 with
/// [s1, t1] = subnet1([y1, c]). The scales are soft-clamped, s = clamp * 0.636 * atan(raw), so each channel is
/// scaled by at most exp(±clamp); log|det J| is the sum of both halves' s.
/// </summary>
public sealed class GlowCouplingBlock : InvertibleBlock
{
    private readonly nn.Module<Tensor, Tensor> subnet1;
    private readonly nn.Module<Tensor, Tensor> subnet2;
    private readonly double _clamp;
    private readonly long _split1;
    private readonly long _split2;

    /// <param name="channels">Feature dimension D.</param>
    /// <param name="conditionLength">Width of the condition appended to each subnet's input, 0 for none.</param>
    /// <param name="subnet">Builds a subnet from (input width, output width).</param>
    public GlowCouplingBlock(long channels, long conditionLength, Func<long, long, nn.Module<Tensor, Tensor>> subnet, double clamp = 2.0)
        : base(nameof(GlowCouplingBlock))
    {
        // Python's round() rounds halves to even, as Math.Round does by default.
        _split1 = (long)Math.Round(channels * 0.5);
        _split2 = channels - _split1;
        _clamp = clamp;
        ConditionLength = conditionLength;
        // Built in the original's order so that seeded initialisation draws the same numbers.
        subnet1 = subnet(_split1 + conditionLength, _split2 * 2);
        subnet2 = subnet(_split2 + conditionLength, _split1 * 2);
        RegisterComponents();
    }

    public long ConditionLength { get; }

    public override bool IsConditional => ConditionLength > 0;

    public override (Tensor Output, Tensor? LogDet) Forward(Tensor x, Tensor? condition, bool reverse)
    {
        if (IsConditional != condition is not null)
        {
            throw new ArgumentException(IsConditional ? "This coupling block needs a condition." : "This coupling block takes no condition.");
        }
        using var scope = NewDisposeScope();
        var x1 = x.narrow(1, 0, _split1);
        var x2 = x.narrow(1, _split1, _split2);
        Tensor y1, y2, logDet;
        if (!reverse)
        {
            (y1, var j1) = Couple(subnet2, x1, WithCondition(x2, condition), _split1, reverse: false);
            (y2, var j2) = Couple(subnet1, x2, WithCondition(y1, condition), _split2, reverse: false);
            logDet = j1.add(j2);
        }
        else
        {
            (y2, var j2) = Couple(subnet1, x2, WithCondition(x1, condition), _split2, reverse: true);
            (y1, var j1) = Couple(subnet2, x1, WithCondition(y2, condition), _split1, reverse: true);
            logDet = j1.add(j2);
        }
        return (cat([y1, y2], 1).MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    private static Tensor WithCondition(Tensor passive, Tensor? condition) =>
        condition is null ? passive : cat([passive, condition], 1);

    /// <summary>Transforms the active half with scale and shift predicted from the passive half.</summary>
    private (Tensor Output, Tensor LogDet) Couple(nn.Module<Tensor, Tensor> subnet, Tensor active, Tensor passive, long activeLength, bool reverse)
    {
        var coefficients = subnet.call(passive);
        var raw = coefficients.narrow(1, 0, activeLength);
        var shift = coefficients.narrow(1, activeLength, coefficients.shape[1] - activeLength);
        // Same operation order as the original (0.636 * atan first, then the clamp), to the last bit. In-place
        // steps only where autograd keeps no copy of the overwritten value.
        var scale = raw.atan().mul_(0.636).mul_(_clamp);
        var logDet = scale.sum(1);
        return reverse
            ? (active.sub(shift).mul(scale.neg().exp_()), logDet.neg_())
            : (scale.exp().mul(active).add_(shift), logDet);
    }
}
