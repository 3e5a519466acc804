using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Criteria;

/// <summary>`nirhost plugins --json` as a user runs it lists every criterion of the original repositories.</summary>
public sealed class CriterionListingTests
{
    [Fact]
    public void Plugins_json_lists_every_criterion_with_its_flags()
    {
        var (exit, output, error) = DotnetCli.Nirhost("plugins", "--json");
        Assert.True(exit == 0, error);

        var criteria = JsonNode.Parse(output)!["components"]!.AsArray()
            .Where(c => c!["kind"]!.GetValue<string>() == "Criterion")
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!);
        string[] expected = ["margin", "triplet", "contrastive", "multisimilarity", "npair", "softmax", "arcface", "s2sd",
            "angular", "histogram", "lifted", "quadruplet", "snr", "softtriplet", "proxynca", "oproxy", "nir"];
        Assert.All(expected, name => Assert.True(criteria.ContainsKey(name), $"criterion {name} is not listed"));

        static IEnumerable<(string Flag, string Default)> Flags(JsonNode component) =>
            component["options"]!.AsArray().Select(o => (o!["flag"]!.GetValue<string>(), o["default"]!.GetValue<string>()));
        Assert.Contains(("--loss_margin_beta_lr", "0.0005"), Flags(criteria["margin"]));
        Assert.Contains(("--loss_multisimilarity_neg_weight", "40"), Flags(criteria["multisimilarity"]));
        Assert.Contains(("--loss_softtriplet_n_centroids", "2"), Flags(criteria["softtriplet"]));
        Assert.Contains(("--loss_histogram_nbins", "65"), Flags(criteria["histogram"]));
        Assert.Contains(("--loss_s2sd_target", "multisimilarity"), Flags(criteria["s2sd"]));
        Assert.Contains(("--loss_proxynca_lrmulti", "50"), Flags(criteria["proxynca"]));
    }
}
