using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// A chain of invertible blocks, evaluated like FrEIA's <c>GraphINN</c> for a linear graph: forward runs the
/// blocks in order and sums their log|det J|; reverse runs them backwards, each inverted. Conditions are given
/// as one tensor per conditional block, in block order (FrEIA's condition nodes). Blocks live in
/// <c>module_list</c>, so their state-dict names match the original's <c>module_list.{i}</c>.
/// </summary>
public sealed class ConditionalFlow : nn.Module
{
    private readonly ModuleList<InvertibleBlock> module_list;

    public ConditionalFlow(IEnumerable<InvertibleBlock> blocks) : base(nameof(ConditionalFlow))
    {
        var list = blocks.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A flow needs at least one block.", nameof(blocks));
        }
        module_list = nn.ModuleList(list);
        RegisterComponents();
        ConditionCount = module_list.Count(block => block.IsConditional);
    }

    /// <summary>
    /// NIR's flow: for k = 0..blocks-1 a <see cref="PermuteRandom"/> seeded with k, then a
    /// <see cref="GlowCouplingBlock"/> that sees a condition of width <paramref name="conditionDim"/> where
    /// <paramref name="conditioned"/> says so.
    /// </summary>
    public static ConditionalFlow PermuteAndCouple(int dims, int conditionDim, IReadOnlyList<bool> conditioned,
        Func<long, long, nn.Module<Tensor, Tensor>> subnet, double clamp)
    {
        var blocks = new List<InvertibleBlock>();
        for (var k = 0; k < conditioned.Count; k++)
        {
            blocks.Add(new PermuteRandom(dims, (uint)k));
            blocks.Add(new GlowCouplingBlock(dims, conditioned[k] ? conditionDim : 0, subnet, clamp));
        }
        return new ConditionalFlow(blocks);
    }

    public IReadOnlyList<InvertibleBlock> Blocks => [.. module_list];

    /// <summary>How many conditions <see cref="Forward"/> expects.</summary>
    public int ConditionCount { get; }

    /// <summary>The latent (or, with <paramref name="reverse"/>, the input) and log|det J| per sample, [B].</summary>
    public (Tensor Output, Tensor LogDet) Forward(Tensor x, IReadOnlyList<Tensor> conditions, bool reverse = false)
    {
        if (conditions.Count != ConditionCount)
        {
            throw new ArgumentException($"The flow takes {ConditionCount} condition(s), got {conditions.Count}.", nameof(conditions));
        }
        using var scope = NewDisposeScope();
        var slots = new Tensor?[module_list.Count];
        var next = 0;
        for (var i = 0; i < module_list.Count; i++)
        {
            slots[i] = module_list[i].IsConditional ? conditions[next++] : null;
        }
        var output = x;
        Tensor? logDet = null;
        for (var step = 0; step < module_list.Count; step++)
        {
            var i = reverse ? module_list.Count - 1 - step : step;
            var (y, blockLogDet) = module_list[i].Forward(output, slots[i], reverse);
            output = y;
            if (blockLogDet is not null)
            {
                logDet = logDet is null ? blockLogDet : logDet.add(blockLogDet);
            }
        }
        logDet ??= zeros(x.shape[0], dtype: x.dtype, device: x.device);
        return (output.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }
}
