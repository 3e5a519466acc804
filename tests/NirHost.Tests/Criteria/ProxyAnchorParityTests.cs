using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using NirHost.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Criteria;

/// <summary>oproxy (ProxyAnchor and ProxyNCA) against the original's outputs, for every `kind: oproxy` fixture.</summary>
public sealed class ProxyAnchorParityTests
{
    public static TheoryData<string> Entries => ReferenceFixtures.OfKind("oproxy");

    [Theory]
    [MemberData(nameof(Entries))]
    public void Parity_loss_and_gradients_match_the_original(string entry)
    {
        using var fixture = ReferenceFixtures.Load(entry);
        var options = new ProxyAnchorOptions
        {
            Mode = fixture.Get<string>("loss_oproxy_mode"),
            PosAlpha = fixture.Double("loss_oproxy_pos_alpha"),
            NegAlpha = fixture.Double("loss_oproxy_neg_alpha"),
            PosDelta = fixture.Double("loss_oproxy_pos_delta"),
            NegDelta = fixture.Double("loss_oproxy_neg_delta"),
        };
        var setup = TestSetups.Create(embedDim: fixture.Get<int>("embed_dim"), numClasses: fixture.Get<int>("n_classes"));
        using var criterion = new ProxyAnchorCriterion(options, setup);
        criterion.to(float64);
        using (no_grad())
        {
            criterion.Proxies.copy_(fixture["param.proxies"]);
        }
        using var x = fixture["input.x"].clone().requires_grad_(true);
        using var labels = fixture["input.labels"].to(int64);

        using var loss = criterion.forward(new CriterionBatch(x, labels));
        loss.backward();

        TensorAssert.Close(fixture["expect.loss"], loss, fixture.Tolerance, "loss");
        TensorAssert.Close(fixture["expect.grad.x"], x.grad!, fixture.Tolerance, "grad x");
        TensorAssert.Close(fixture["expect.grad.proxies"], criterion.Proxies.grad!, fixture.Tolerance, "grad proxies");
    }

    [Fact]
    public void Parity_entries_exist_for_both_modes()
    {
        var modes = ReferenceFixtures.OfKind("oproxy").Cast<object[]>().Select(row => (string)row[0])
            .Select(name => ReferenceFixtures.Manifest[name]!["loss_oproxy_mode"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(["anchor", "nca"], modes.Order());
    }
}
