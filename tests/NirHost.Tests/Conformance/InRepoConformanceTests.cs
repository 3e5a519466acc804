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
    private static readonly Lazy<IReadOnlyList<CheckResult>> Results = new(() =>
        CheckPluginCommand.Check(HostHarness.Catalog,
            ["--synthetic_classes", "8", "--synthetic_samples_per_class", "4", "--data_batchmatch_bigbs", "40"]));

    // Known gaps, left open in the issue notes: these tuple criteria return NaN (lifted throws) when a batch has
    // no valid tuple, as the original's mean over an empty set does; s2sd builds its inner criteria through the
    // host's ICriterionFactory, which the kit does not supply yet. Only the named checks may fail for them.
    private static readonly Dictionary<string, string[]> KnownGaps = new()
    {
        ["contrastive"] = ["one sample per class", "batch of one class"],
        ["triplet"] = ["one sample per class", "batch of one class"],
        ["quadruplet"] = ["one sample per class", "batch of one class"],
        ["histogram"] = ["one sample per class", "batch of one class"],
        ["snr"] = ["one sample per class", "batch of one class"],
        ["lifted"] = ["one sample per class", "batch of one class"],
        ["s2sd"] = ["ICriterionFactory"],
    };

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
        var allowed = kind == "Criterion" && KnownGaps.TryGetValue(name, out var gaps) ? gaps : [];
        var failures = results.Where(r => r.Failed).Select(r => r.ToString())
            .Where(f => !allowed.Any(a => f.Contains(a, StringComparison.Ordinal))).ToList();
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
        Assert.Contains("respects --samples_per_class", checks);
        Assert.Contains("is invariant to sample order", checks);
        Assert.Contains("train and test classes are disjoint", checks);
        Assert.Contains("convnet_normalize: embeddings have unit norm", checks);
    }
}
