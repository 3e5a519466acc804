using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Miners;

/// <summary>Every batch miner and data sampler of the original is installed under its original name.</summary>
public sealed class MinerAndSamplerCatalogTests
{
    public static readonly string[] Miners =
        ["random", "semihard", "softhard", "distance", "rho_distance", "npair", "parametric", "lifted", "random_distance", "intra_random"];

    public static readonly string[] Samplers =
        ["class_random", "random", "greedy_coreset", "d2_coreset", "fid_batchmatch", "disthist_batchmatch"];

    [Fact]
    public void Plugins_json_lists_every_miner_and_sampler_under_its_kind_with_the_original_flags()
    {
        var (exit, output, error) = DotnetCli.Nirhost("plugins", "--json");
        Assert.True(exit == 0, error);

        var components = JsonNode.Parse(output)!["components"]!.AsArray();
        var names = components.Select(c => $"{c!["kind"]}/{c["name"]}").ToHashSet();
        Assert.All(Miners, miner => Assert.Contains($"BatchMiner/{miner}", names));
        Assert.All(Samplers, sampler => Assert.Contains($"Sampler/{sampler}", names));

        string Default(string component, string flag) => components
            .First(c => c!["name"]!.GetValue<string>() == component && c["kind"]!.GetValue<string>() != "Criterion")!["options"]!.AsArray()
            .First(o => o!["flag"]!.GetValue<string>() == flag)!["default"]!.GetValue<string>();
        Assert.Equal("0.5", Default("distance", "--miner_distance_lower_cutoff"));
        Assert.Equal("1.4", Default("random_distance", "--miner_distance_upper_cutoff"));
        Assert.Equal("0.2", Default("rho_distance", "--miner_rho_distance_cp"));
        Assert.Equal("0.2", Default("semihard", "--miner_semihard_margin"));
        Assert.Equal("uniform", Default("parametric", "--miner_parametric_mode"));
        Assert.Equal("512", Default("greedy_coreset", "--data_batchmatch_bigbs"));
        Assert.Equal("10", Default("fid_batchmatch", "--data_batchmatch_ncomps"));
        Assert.Equal("1", Default("d2_coreset", "--data_d2_coreset_lambda"));
        Assert.Equal("-1", Default("disthist_batchmatch", "--data_sampler_lowproj_dim"));
    }
}
