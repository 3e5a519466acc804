using NirHost.Plugins.Criteria;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>The masked log(1 + sum exp) shared by multisimilarity, oproxy and the N-pair family, against its definition.</summary>
public sealed class MaskedLogSumExpTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void It_matches_the_padded_zero_logsumexp_with_empty_slices_at_zero(long dim)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        // Wide values (included entries far below their slice's maximum too) and one slice with nothing included.
        var values = randn(7, 9, dtype: float64).mul(150).requires_grad_(true);
        var mask = rand(7, 9, dtype: float64).gt(0.4);
        mask.select(1 - dim, 2).fill_(false);
        var reference = values.detach().clone().requires_grad_(true);

        var result = MaskedLogSumExp.Compute(values, mask, dim);
        result.sum().backward();

        // The definition: a zero logit appended to each slice, left-out entries at -inf, empty slices set to 0.
        var filled = reference.masked_fill(mask.logical_not(), double.NegativeInfinity);
        var shape = filled.shape.ToArray();
        shape[dim] = 1;
        var padded = cat([filled, zeros(shape, dtype: float64)], dim).logsumexp(dim, keepdim: true);
        var expected = padded.masked_fill(mask.any(dim, keepdim: true).logical_not(), 0);
        expected.sum().backward();

        TensorAssert.Close(expected, result, 1e-12, "value");
        Assert.Equal(0.0, result.select(dim, 0)[2].item<double>());
        TensorAssert.Close(reference.grad!, values.grad!, 1e-12, "gradient");
        Assert.Equal(0.0, values.grad!.masked_select(mask.logical_not()).abs().sum().item<double>());
    }
}
