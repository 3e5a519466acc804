using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Flows;
using NirHost.Testing;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Nir;

/// <summary>
/// <c>--loss_nir_safe_flow</c>: the original's loss and gradients where they are finite (reference fixtures, 1e-8), finite
/// float32 gradients where the original's overflow, and the original's direction with a capped length in between.
/// </summary>
public sealed class SafeFlowTests
{
    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("nir");

    [Theory]
    [MemberData(nameof(Entries))]
    public void Safe_flow_matches_the_original_loss_and_every_gradient_on_the_reference_fixtures(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        using var criterion = NirParityTests.Build(fixture, safeFlow: true);
        NirParityTests.LoadReference(criterion, fixture);
        using var x = fixture["input.x"].to(float64).clone().requires_grad_(true);
        using var labels = fixture["input.labels"].to(int64);

        using var loss = criterion.forward(new CriterionBatch(x, labels));
        loss.backward();

        // The fixtures' flow terms lie far below the bound, where nothing may differ from the original but rounding.
        using (var flow = criterion.LossTerms[NirCriterion.FlowTerm].detach())
        {
            Assert.True(flow.item<double>() < 1e4, $"{entry}: flow term {flow.item<double>()} is not below the bound this test needs.");
        }
        TensorAssert.Close(fixture["expect.loss"], loss, fixture.Tolerance, "loss");
        TensorAssert.Close(fixture["expect.grad.x"], x.grad!, fixture.Tolerance, "grad.x");
        TensorAssert.Close(fixture["expect.grad.proxies"], criterion.Proxies.grad!, fixture.Tolerance, "grad.proxies");
        var checkedParameters = 0;
        foreach (var (name, parameter) in criterion.named_parameters().Where(p => p.name != "proxies"))
        {
            TensorAssert.Close(fixture["expect.grad.param." + name], parameter.grad!, fixture.Tolerance, "grad." + name);
            checkedParameters++;
        }
        Assert.True(checkedParameters > 0);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Above_the_bound_the_gradient_is_the_originals_direction_scaled_to_the_bound(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        const double bound = 10;
        // Embeddings 4x longer than the fixture's make the flow term large but finite in float64, for both criteria.
        using var x = fixture["input.x"].to(float64).mul(4);
        using var labels = fixture["input.labels"].to(int64);
        var (originalTotal, originalFlow, originalGradients) = Gradients(fixture, x, labels, safeFlow: false, bound);
        var (safeTotal, safeFlow, safeGradients) = Gradients(fixture, x, labels, safeFlow: true, bound);
        var (_, _, alignmentGradients) = Gradients(fixture, x, labels, safeFlow: false, bound, alignmentOnly: true);
        Assert.True(originalFlow > 100 * bound, $"{entry}: flow term {originalFlow} is not far enough above the bound for this test.");

        TensorAssert.Close(originalTotal, safeTotal, 1e-8, "loss");
        TensorAssert.Close(originalFlow, safeFlow, 1e-8, "flow term");
        var scale = bound / originalFlow;
        foreach (var (name, original) in originalGradients)
        {
            // The flow's share of the original gradient, scaled down to the bound; the alignment term's share unchanged.
            var alignment = alignmentGradients[name];
            using var expected = original.sub(alignment).mul_(scale).add_(alignment);
            TensorAssert.Close(expected, safeGradients[name], 1e-8, name);
        }
        foreach (var tensor in originalGradients.Values.Concat(safeGradients.Values).Concat(alignmentGradients.Values))
        {
            tensor.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Where_the_original_overflows_float32_the_safe_flow_gives_a_finite_loss_and_finite_float32_gradients(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        // 12x longer embeddings: a flow term beyond float32 (and its gradient far beyond), within float64.
        using var x = fixture["input.x"].to(float32).mul(12);
        using var labels = fixture["input.labels"].to(int64);

        using (var original = NirParityTests.Build(fixture))
        {
            NirParityTests.LoadReference(original, fixture);
            original.to(float32);
            using var input = x.clone().requires_grad_(true);
            using var loss = original.forward(new CriterionBatch(input, labels));
            loss.backward();
            Assert.False(Finite(loss) && Finite(input.grad!) && original.parameters().All(p => Finite(p.grad!)),
                $"{entry}: the original stayed finite, so this input does not test an overflow.");
        }

        using var safe = NirParityTests.Build(fixture, safeFlow: true);
        NirParityTests.LoadReference(safe, fixture);
        safe.to(float32);
        using var safeInput = x.clone().requires_grad_(true);
        using var safeLoss = safe.forward(new CriterionBatch(safeInput, labels));
        safeLoss.backward();

        Assert.Equal(ScalarType.Float64, safeLoss.dtype);
        Assert.True(Finite(safeLoss), $"{entry}: loss {safeLoss.item<double>()}");
        Assert.True(safeLoss.item<double>() > float.MaxValue, "the safe flow must keep the term's value, not shrink it");
        Assert.True(Finite(safeInput.grad!), $"{entry}: the embeddings' float32 gradient is not finite");
        foreach (var (name, parameter) in safe.named_parameters())
        {
            Assert.Equal(ScalarType.Float32, parameter.grad!.dtype);
            Assert.True(Finite(parameter.grad!), $"{entry}: the float32 gradient of {name} is not finite");
        }
    }

    [Fact]
    public void Nir_with_the_safe_flow_passes_the_conformance_kit_with_its_float64_loss()
    {
        var options = new NirOptions { SafeFlow = true, CBlocks = 2, FcDepth = 2, FcWidth = 16 };
        ConformanceKit.AssertConforms(typeof(NirCriterion), new ConformanceOptions { Services = type => type == typeof(NirOptions) ? options : null });
    }

    [Fact]
    public void Safe_flow_likelihood_refuses_float32_and_a_bound_that_is_not_positive()
    {
        using var nll = zeros(4);
        Assert.Throws<ArgumentException>(() => SafeFlowLikelihood.Mean(nll, 1));
        using var nll64 = zeros(4, dtype: float64);
        Assert.Throws<ArgumentOutOfRangeException>(() => SafeFlowLikelihood.Mean(nll64, 0));
    }

    /// <summary>Loss, flow term and every gradient (embeddings, proxies, flow parameters) of one forward and backward pass in float64.</summary>
    private static (double Loss, double Flow, Dictionary<string, Tensor> Gradients) Gradients(ReferenceFixture fixture, Tensor x, Tensor labels,
        bool safeFlow, double bound, bool alignmentOnly = false)
    {
        using var criterion = NirParityTests.Build(fixture, safeFlow, bound);
        NirParityTests.LoadReference(criterion, fixture);
        using var input = x.clone().requires_grad_(true);
        var batch = new CriterionBatch(input, labels);
        using var loss = alignmentOnly ? criterion.AlignmentLoss(batch).mul(fixture.Double("loss_nir_w_align")) : criterion.forward(batch);
        loss.backward();
        var flow = alignmentOnly ? double.NaN : criterion.LossTerms[NirCriterion.FlowTerm].to(float64).item<double>();
        var gradients = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["x"] = input.grad!.detach().clone() };
        foreach (var (name, parameter) in criterion.named_parameters())
        {
            gradients[name] = parameter.grad is { } gradient ? gradient.detach().clone() : zeros_like(parameter);
        }
        return (loss.item<double>(), flow, gradients);
    }

    private static bool Finite(Tensor tensor) => tensor.isfinite().all().item<bool>();
}
