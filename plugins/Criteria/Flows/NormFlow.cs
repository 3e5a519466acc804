using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// NIR's flow as the original wraps it: the block chain sits under a child named <c>normflow</c>, so inside a
/// criterion whose field is also <c>normflow</c> the state-dict names read <c>normflow.normflow.module_list.{i}</c>.
/// </summary>
public sealed class NormFlow : nn.Module
{
    private readonly ConditionalFlow normflow;

    /// <param name="dims">Feature (and condition) width.</param>
    /// <param name="conditionMode">One of <see cref="ConditionMode.All"/>.</param>
    /// <param name="blocks">Number of permutation + coupling pairs.</param>
    /// <param name="fcDepth">Linear layers per subnet (at least 2 are always built).</param>
    /// <param name="fcWidth">Hidden width of the subnets.</param>
    /// <param name="clamp">Soft clamp of the coupling scales.</param>
    /// <param name="fcInit"><c>none</c> or <c>xavier</c>, see <see cref="FullyConnectedSubnet"/>.</param>
    public NormFlow(int dims, string conditionMode, int blocks, int fcDepth, int fcWidth, double clamp, string fcInit)
        : base(nameof(NormFlow))
    {
        if (blocks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "A flow needs at least one block.");
        }
        Dims = dims;
        var conditioned = ConditionMode.ConditionedBlocks(conditionMode, blocks);
        normflow = ConditionalFlow.PermuteAndCouple(dims, dims, conditioned,
            (dimsIn, dimsOut) => FullyConnectedSubnet.Create(dimsIn, dimsOut, fcDepth, fcWidth, fcInit), clamp);
        RegisterComponents();
    }

    public int Dims { get; }

    public ConditionalFlow Flow => normflow;

    public (Tensor Output, Tensor LogDet) Forward(Tensor x, IReadOnlyList<Tensor> conditions, bool reverse = false) =>
        normflow.Forward(x, conditions, reverse);
}
