using NirHost.Host.Commands;
using NirHost.Testing;
using NirHost.Tests.Support;

namespace NirHost.Tests.Conformance;

/// <summary>
/// Every component installed beside the host passes the conformance kit, as <c>nirhost check-plugin</c> runs it.
/// Components are discovered, so ones added later are covered without touching this test.
/// </summary>
public sealed class InRepoConformanceTests
{
    // One pass over every component (NIR's flow makes it the slow part), shared by the tests below.
    // Small embedded data and storage (the kit's samplers see 53 samples): a few samples per split suffice.
    // S2SD's target branches are narrow: their default widths (up to 2048) cost seconds and check nothing more.
    private static readonly Lazy<IReadOnlyList<CheckResult>> Results = new(() =>
        CheckPluginCommand.Check(HostHarness.Catalog,
            ["--synthetic_classes", "8", "--synthetic_samples_per_class", "4", "--data_batchmatch_bigbs", "40", "--loss_s2sd_target_dims", "64", "96"]));

    public static TheoryData<string, string> Components()
    {
        var data = new TheoryData<string, string>();
        foreach (var component in HostHarness.Catalog.Components.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            data.Add(component.Kind.ToString(), component.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Passes_the_conformance_kit(string kind, string name)
    {
        var results = Results.Value.Where(r => r.Component == $"{kind} '{name}'").ToList();

        Assert.True(results.Count >= 3, $"only {results.Count} checks ran");
        var failures = results.Where(r => r.Failed).Select(r => r.ToString()).ToList();
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Every_kind_is_exercised_by_its_own_checks()
    {
        var checks = Results.Value
            .Where(r => r.Outcome == CheckOutcome.Passed)
            .Select(r => r.Check)
            .ToHashSet();

        Assert.Contains("float32 on cpu: gradients reach the embeddings", checks);
        Assert.Contains("float64 on cpu: a batch of one class gives a finite scalar", checks);
        Assert.Contains("returns valid in-batch triplets on cpu", checks);
        Assert.Contains("a batch of one class: mines without error, only valid tuples", checks);
        Assert.Contains("float64 on cpu: one sample per class gives finite gradients", checks);
        Assert.Contains("respects --samples_per_class", checks);
        Assert.Contains("is invariant to sample order", checks);
        Assert.Contains("train and test classes are disjoint", checks);
        Assert.Contains("convnet_normalize: embeddings have unit norm", checks);
        Assert.Contains("resnet50_normalize: its export graph computes its eval forward", checks);
        Assert.Contains("bninception: its export graph computes its eval forward", checks);
    }
}
