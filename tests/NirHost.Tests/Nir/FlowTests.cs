using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Flows;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Nir;

/// <summary>Properties of the invertible-blocks library that hold for any weights.</summary>
public sealed class FlowTests
{
    private static NormFlow Flow(int dims, string mode, int blocks = 3, int depth = 3, int width = 16, string init = "none")
    {
        random.manual_seed(7);
        var flow = new NormFlow(dims, mode, blocks, depth, width, clamp: 2.0, init);
        flow.to(float64);
        return flow;
    }

    private static IReadOnlyList<Tensor> Conditions(NormFlow flow, string mode, Tensor condition, int blocks = 3)
    {
        var prep = new ConditionPreparation(flow.Dims, blocks, mode);
        prep.to(float64);
        return prep.call(condition);
    }

    [Fact]
    public void Numpy_permutations_are_reproduced_bit_for_bit()
    {
        // numpy.random.seed(k); numpy.random.permutation(n), as recorded by the original's flows.
        Assert.Equal([1L, 6, 8, 9, 13, 4, 2, 14, 10, 7, 15, 11, 3, 0, 5, 12], new NumpyLegacyRandom(0).Permutation(16));
        Assert.Equal([3L, 13, 7, 2, 6, 10, 4, 1, 14, 0, 15, 9, 8, 12, 11, 5], new NumpyLegacyRandom(1).Permutation(16));
        Assert.Equal([6L, 11, 4, 10, 2, 8, 1, 7, 9, 3, 0, 5], new NumpyLegacyRandom(0).Permutation(12));
        // MT19937's reference output for init_genrand(5489).
        Assert.Equal(3499211612u, new NumpyLegacyRandom(5489).NextUInt32());
    }

    [Fact]
    public void Permutation_is_undone_by_its_inverse_and_has_zero_log_determinant()
    {
        using var block = new PermuteRandom(9, 3);
        using var x = randn(4, 9, dtype: float64);
        var (y, logDet) = block.Forward(x, null, reverse: false);
        Assert.Null(logDet);
        var (back, _) = block.Forward(y, null, reverse: true);
        TensorAssert.Close(x, back, 0, "inverse permutation");
        Assert.Equal(x.index_select(1, tensor(block.Permutation)).data<double>().ToArray(), y.data<double>().ToArray());
        Assert.Throws<ArgumentException>(() => new PermuteRandom([0L, 0, 1]));
    }

    [Theory]
    [InlineData(ConditionMode.Dense, 8)]
    [InlineData(ConditionMode.DenseEmbed, 7)]
    [InlineData(ConditionMode.DenseEmbedMulti, 8)]
    [InlineData(ConditionMode.DenseEmbedMultiStacked, 5)]
    [InlineData(ConditionMode.Start, 8)]
    [InlineData(ConditionMode.Mid, 7)]
    [InlineData(ConditionMode.End, 6)]
    public void Reverse_of_forward_is_the_identity_and_negates_the_log_determinant(string mode, int dims)
    {
        using var flow = Flow(dims, mode);
        using var x = randn(5, dims, dtype: float64);
        using var condition = nn.functional.normalize(randn(5, dims, dtype: float64), dim: 1);
        var conditions = Conditions(flow, mode, condition);
        var (z, logDet) = flow.Forward(x, conditions);
        var (back, reverseLogDet) = flow.Forward(z, conditions, reverse: true);
        TensorAssert.Close(x, back, 1e-12, "reverse(forward(x))");
        TensorAssert.Close(logDet.neg(), reverseLogDet, 1e-12, "reverse log-determinant");
    }

    [Theory]
    [InlineData(ConditionMode.Dense, 6)]
    [InlineData(ConditionMode.DenseEmbedMultiStacked, 5)]
    [InlineData(ConditionMode.Mid, 7)]
    public void Log_determinant_equals_that_of_the_autograd_jacobian(string mode, int dims)
    {
        using var flow = Flow(dims, mode, init: "xavier");
        const int batch = 3;
        using var x = randn(batch, dims, dtype: float64).requires_grad_(true);
        using var condition = nn.functional.normalize(randn(batch, dims, dtype: float64), dim: 1);
        var (z, logDet) = flow.Forward(x, Conditions(flow, mode, condition));
        // Samples are independent, so the gradient of output column i summed over the batch is row i of each sample's Jacobian.
        var jacobian = zeros(batch, dims, dims, dtype: float64);
        for (var i = 0; i < dims; i++)
        {
            var row = torch.autograd.grad([z[.., i].sum()], [x], retain_graph: true)[0];
            jacobian[.., i, ..] = row;
        }
        var (_, logAbsDet) = linalg.slogdet(jacobian);
        TensorAssert.Close(logAbsDet, logDet.detach(), 1e-10, "log|det J|");
    }

    [Fact]
    public void Coupling_blocks_take_conditions_only_where_the_mode_says()
    {
        using var flow = Flow(8, ConditionMode.Mid, blocks: 5);
        var widths = flow.state_dict().Where(pair => pair.Key.EndsWith("subnet1.0.weight", StringComparison.Ordinal))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value.shape[1]).ToList();
        // split 4 plus, on block 2 only, the 8-wide condition.
        Assert.Equal([4L, 4, 12, 4, 4], widths);
        Assert.Equal(1, flow.Flow.ConditionCount);
        Assert.Equal([true, false, false, false, false], ConditionMode.ConditionedBlocks(ConditionMode.Start, 5));
        Assert.Equal([false, false, false, false, true], ConditionMode.ConditionedBlocks(ConditionMode.End, 5));
        Assert.Throws<ArgumentException>(() => ConditionMode.ConditionedBlocks("sparse", 5));
    }

    [Fact]
    public void State_dict_uses_the_original_names_and_keeps_permutations_as_integer_buffers()
    {
        using var prep = new ConditionPreparation(6, 2, ConditionMode.DenseEmbedMultiStacked);
        Assert.Equal(
            ["embedder.0.0.bias", "embedder.0.0.weight", "embedder.0.2.bias", "embedder.0.2.weight",
             "embedder.1.0.bias", "embedder.1.0.weight", "embedder.1.2.bias", "embedder.1.2.weight"],
            prep.state_dict().Keys.Order(StringComparer.Ordinal));
        using var flow = Flow(6, ConditionMode.Dense, blocks: 2, depth: 3);
        var keys = flow.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        Assert.Contains("normflow.module_list.0.perm", keys);
        Assert.Contains("normflow.module_list.2.perm_inv", keys);
        Assert.Contains("normflow.module_list.1.subnet1.4.weight", keys);
        Assert.Contains("normflow.module_list.3.subnet2.0.bias", keys);
        Assert.Equal(ScalarType.Int64, flow.state_dict()["normflow.module_list.0.perm"].dtype);
        Assert.DoesNotContain(flow.named_parameters(), pair => pair.name.Contains("perm", StringComparison.Ordinal));
    }

    [Fact]
    public void Xavier_initialisation_leaves_the_first_layer_as_pytorch_builds_it()
    {
        using var flow = Flow(8, ConditionMode.Dense, blocks: 1, depth: 4, init: "xavier");
        var state = flow.state_dict();
        Assert.NotEqual(0.0, state["normflow.module_list.1.subnet1.0.bias"].abs().sum().item<double>());
        Assert.Equal(0.0, state["normflow.module_list.1.subnet1.2.bias"].abs().sum().item<double>());
        Assert.Equal(0.0, state["normflow.module_list.1.subnet1.6.bias"].abs().sum().item<double>());
        Assert.Throws<ArgumentException>(() => FullyConnectedSubnet.Create(4, 4, 3, 8, "kaiming"));
    }

    [Fact]
    public void Paper_defaults_have_the_originals_trainable_parameter_count()
    {
        var setup = TestSetups.Create(embedDim: 128, numClasses: 100);
        using var criterion = new NirCriterion(new NirOptions(), new ProxyAnchorOptions(), setup);
        Assert.Equal(1_415_680, criterion.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
        var groups = criterion.ParameterGroups(setup).ToList();
        Assert.Equal(["proxies", "normflow"], groups.Select(g => g.Name));
        Assert.Equal(setup.LearningRate * 4000, groups[0].LearningRate, 12);
        Assert.Equal(setup.LearningRate * 50, groups[1].LearningRate, 12);
        Assert.All(groups, g => Assert.Null(g.WeightDecay));
    }
}
