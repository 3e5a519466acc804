using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using NirHost.Plugins.Criteria.Flows;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Nir;

/// <summary>NIR (flow, alignment term, loss and every gradient) against the original, for every `kind: nir` fixture.</summary>
public sealed class NirParityTests
{
    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("nir");

    internal static NirCriterion Build(ReferenceFixture fixture, bool safeFlow = false, double safeFlowBound = 1e4)
    {
        var options = new NirOptions
        {
            SafeFlow = safeFlow,
            SafeFlowBound = safeFlowBound,
            WAlign = fixture.Double("loss_nir_w_align"),
            CondMode = fixture.Get<string>("loss_nir_nf_cond_mode"),
            CBlocks = fixture.Get<int>("loss_nir_nf_cblocks"),
            FcDepth = fixture.Get<int>("loss_nir_nf_fc_depth"),
            FcWidth = fixture.Get<int>("loss_nir_nf_fc_width"),
            ClampAlpha = fixture.Double("loss_nir_nf_clamp_alpha"),
        };
        var proxyOptions = new ProxyAnchorOptions
        {
            PosAlpha = fixture.Double("loss_oproxy_pos_alpha"),
            NegAlpha = fixture.Double("loss_oproxy_neg_alpha"),
            PosDelta = fixture.Double("loss_oproxy_pos_delta"),
            NegDelta = fixture.Double("loss_oproxy_neg_delta"),
        };
        var setup = TestSetups.Create(embedDim: fixture.Get<int>("embed_dim"), numClasses: fixture.Get<int>("n_classes"));
        var criterion = new NirCriterion(options, proxyOptions, setup);
        criterion.to(float64);
        return criterion;
    }

    /// <summary>Copies every `param.*` tensor into the criterion by its PyTorch name; any key without a partner on either side fails.</summary>
    internal static void LoadReference(NirCriterion criterion, ReferenceFixture fixture)
    {
        var state = criterion.state_dict();
        var reference = fixture.Tensors.Where(pair => pair.Key.StartsWith("param.", StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key["param.".Length..], pair => pair.Value, StringComparer.Ordinal);
        var missing = reference.Keys.Except(state.Keys).Order().ToList();
        var extra = state.Keys.Except(reference.Keys).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{fixture.Name}: reference keys without a NirHost tensor: [{string.Join(", ", missing)}]; NirHost tensors without a reference: [{string.Join(", ", extra)}].");
        using var _ = no_grad();
        foreach (var (name, value) in reference)
        {
            var target = state[name];
            Assert.True(target.shape.SequenceEqual(value.shape), $"{name}: shape [{string.Join(", ", target.shape)}] vs reference [{string.Join(", ", value.shape)}].");
            target.copy_(value.to(target.dtype));
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_flow_loss_and_every_gradient_match_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        using var criterion = Build(fixture);
        LoadReference(criterion, fixture);
        var tolerance = fixture.Tolerance;
        using var x = fixture["input.x"].to(float64).clone().requires_grad_(true);
        using var labels = fixture["input.labels"].to(int64);

        using (no_grad())
        {
            var (latent, logDet) = criterion.Latent(x, labels);
            TensorAssert.Close(fixture["expect.latent"], latent, tolerance, "latent");
            TensorAssert.Close(fixture["expect.logdet"], logDet, tolerance, "logdet");
            using var reverse = criterion.Reverse(fixture["expect.latent"].to(float64), labels);
            TensorAssert.Close(fixture["expect.reverse"], reverse, tolerance, "reverse");
            using var alignment = criterion.AlignmentLoss(new CriterionBatch(x, labels));
            TensorAssert.Close(fixture["expect.proxy_loss"], alignment, tolerance, "proxy_loss");
            latent.Dispose();
            logDet.Dispose();
        }

        using var loss = criterion.forward(new CriterionBatch(x, labels));
        loss.backward();
        TensorAssert.Close(fixture["expect.loss"], loss, tolerance, "loss");

        var parameters = criterion.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter, StringComparer.Ordinal);
        var checkedGradients = 0;
        foreach (var (key, expected) in fixture.Tensors.Where(pair => pair.Key.StartsWith("expect.grad.", StringComparison.Ordinal)))
        {
            var name = key["expect.grad.".Length..];
            Tensor? actual = name switch
            {
                "x" => x.grad,
                "proxies" => criterion.Proxies.grad,
                _ when name.StartsWith("param.", StringComparison.Ordinal) =>
                    parameters.TryGetValue(name["param.".Length..], out var parameter)
                        ? parameter.grad
                        : throw new KeyNotFoundException($"{key}: no NirHost parameter named {name["param.".Length..]}."),
                _ => throw new KeyNotFoundException($"{key}: unknown gradient in fixture {entry}."),
            };
            Assert.True(actual is not null, $"{key}: no gradient was computed.");
            TensorAssert.Close(expected, actual!, tolerance, key);
            checkedGradients++;
        }
        // x, proxies, and every trainable parameter of the criterion.
        Assert.Equal(2 + parameters.Count, checkedGradients);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_parameter_count_and_fresh_permutations_match_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        using var criterion = Build(fixture);
        Assert.Equal(fixture.Get<long>("parameter_count"), criterion.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));

        // Before any loading: the permutations numpy draws for seed k must equal the reference's block-k buffers.
        var permutations = criterion.Flow.Flow.Blocks.OfType<PermuteRandom>().ToList();
        Assert.Equal(fixture.Get<int>("loss_nir_nf_cblocks"), permutations.Count);
        for (var k = 0; k < permutations.Count; k++)
        {
            var prefix = $"param.normflow.normflow.module_list.{2 * k}.";
            Assert.Equal(fixture[prefix + "perm"].data<long>().ToArray(), permutations[k].Permutation);
            using var inverse = criterion.state_dict()[$"normflow.normflow.module_list.{2 * k}.perm_inv"].cpu();
            Assert.Equal(fixture[prefix + "perm_inv"].data<long>().ToArray(), inverse.data<long>().ToArray());
        }
    }
}
