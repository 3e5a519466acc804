using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Composition;
using NirHost.Plugins.Criteria;
using NirHost.Tests.Support;

namespace NirHost.Tests.Criteria;

/// <summary>The criteria as the host builds them: miner rules checked before training, S2SD's inner criteria, parameter groups.</summary>
public sealed class CriterionHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Every criterion of the original repositories, with the miners it allows (empty: it needs none).</summary>
    public static TheoryData<string, string[]> Criteria => new()
    {
        { "margin", TripletMiners.Names }, { "triplet", TripletMiners.Names }, { "contrastive", TripletMiners.Names },
        { "quadruplet", TripletMiners.Names }, { "snr", TripletMiners.Names },
        { "npair", ["npair"] }, { "angular", ["npair"] }, { "lifted", ["lifted"] },
        { "multisimilarity", [] }, { "softmax", [] }, { "arcface", [] }, { "s2sd", [] }, { "histogram", [] },
        { "softtriplet", [] }, { "proxynca", [] },
    };

    private string[] Small(params string[] overrides) =>
    [
        "--dataset", "synthetic", "--arch", "convnet_normalize", "--synthetic_classes", "8", "--synthetic_samples_per_class", "8",
        "--synthetic_image_size", "16", "--convnet_width", "8", "--bs", "16", "--samples_per_class", "4", "--embed_dim", "16",
        "--device", "cpu", "--save_path", _folder.Path, "--savename", "run", "--evaluation_metrics", "e_recall@1",
        .. overrides,
    ];

    private static CriterionWithMiner Build(string[] args)
    {
        var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(HostHarness.Catalog), args);
        using var services = new ServiceCollection().AddLogging().AddNirHostRun(HostHarness.Catalog, configuration).BuildServiceProvider();
        return services.GetRequiredService<CriterionWithMiner>();
    }

    [Theory]
    [MemberData(nameof(Criteria))]
    public void Each_criterion_declares_the_miners_of_the_original(string name, string[] allowed)
    {
        var descriptor = HostHarness.Catalog.Find(ComponentKind.Criterion, name);
        Assert.NotNull(descriptor);
        var attribute = Assert.IsType<CriterionAttribute>(descriptor.Attribute, exactMatch: false);
        Assert.Equal(allowed, attribute.AllowedMiners);
        Assert.Equal(allowed.Length > 0, attribute.RequiresBatchMiner);
    }

    [Theory]
    [InlineData("triplet", "npair")]
    [InlineData("margin", "lifted")]
    [InlineData("npair", "distance")]
    [InlineData("lifted", "random")]
    [InlineData("angular", "semihard")]
    public void A_miner_the_criterion_does_not_allow_is_refused_before_training(string loss, string miner)
    {
        var error = Assert.Throws<CommandLineException>(() => Build(Small("--loss", loss, "--batch_mining", miner)));
        Assert.Contains($"--batch_mining {miner} is not allowed for --loss {loss}", error.Message);
        Assert.Contains("it allows:", error.Message);
    }

    [Fact]
    public void A_disallowed_pair_fails_the_train_command_before_any_epoch()
    {
        var configuration = HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--loss", "npair", "--batch_mining", "random"));
        var error = Assert.Throws<CommandLineException>(() => HostHarness.Train(HostHarness.Catalog, configuration));
        Assert.Contains("--batch_mining random is not allowed for --loss npair; it allows: npair", error.Message);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "synthetic", "run", "summary.json")));
    }

    [Fact]
    public void Criteria_without_a_miner_ignore_batch_mining()
    {
        var (criterion, miner, descriptor) = Build(Small("--loss", "multisimilarity", "--batch_mining", "lifted"));
        using var _ = criterion;
        Assert.Equal("multisimilarity", descriptor.Name);
        Assert.Null(miner);
    }

    [Fact]
    public void Margin_trains_its_betas_in_their_own_group_at_the_beta_learning_rate()
    {
        var (criterion, miner, _) = Build(Small("--loss", "margin", "--batch_mining", "random", "--loss_margin_beta_lr", "0.01", "--loss_margin_beta", "1.1"));
        using var _ = criterion;
        Assert.NotNull(miner);
        var groups = criterion.ParameterGroups(TestSetups.Create(lr: 1e-5)).ToList();
        var group = Assert.Single(groups);
        Assert.Equal("beta", group.Name);
        Assert.Equal(0.01, group.LearningRate, 12);
        Assert.Null(group.WeightDecay);
        Assert.Equal([4L], group.Parameters.Single().shape);
        Assert.All(group.Parameters.Single().data<float>().ToArray(), value => Assert.Equal(1.1f, value));

        var (constant, _, _) = Build(Small("--loss", "margin", "--batch_mining", "random", "--loss_margin_beta_constant"));
        using var __ = constant;
        Assert.Empty(constant.ParameterGroups(TestSetups.Create()));
    }

    [Fact]
    public void S2sd_builds_its_source_and_target_criteria_and_branches_on_the_pooled_features()
    {
        var (criterion, _, _) = Build(Small("--loss", "s2sd", "--loss_s2sd_source", "softmax", "--loss_s2sd_target", "multisimilarity",
            "--loss_s2sd_target_dims", "24", "40", "--lr", "0.001"));
        using var _ = criterion;
        // Plugin types live in their own load context here: inspect the module tree rather than cast.
        var modules = criterion.named_modules().ToDictionary(pair => pair.name, pair => pair.module.GetName());
        Assert.Equal("softmax", modules["source_criterion"]);
        Assert.Equal("multisimilarity", modules["target_criteria.0"]);
        Assert.Equal("multisimilarity", modules["target_criteria.1"]);
        var keys = criterion.state_dict().Keys.ToList();
        // convnet's pooled width is 4 x --convnet_width.
        Assert.Equal([24L, 32L], criterion.state_dict()["target_nets.0.0.weight"].shape);
        Assert.Equal([40L, 40L], criterion.state_dict()["target_nets.1.2.weight"].shape);
        Assert.Contains("source_criterion.class_map", keys);
        var groups = criterion.ParameterGroups(TestSetups.Create(lr: 0.001)).ToList();
        Assert.Equal(["target_nets", "source_criterion.class_map"], groups.Select(g => g.Name));
        Assert.Equal(0.001, groups[0].LearningRate, 12);
    }

    [Fact]
    public void S2sd_refuses_a_source_whose_miner_is_not_allowed()
    {
        var error = Assert.Throws<CommandLineException>(() => Build(Small("--loss", "s2sd", "--loss_s2sd_source", "npair",
            "--batch_mining", "random", "--loss_s2sd_target_dims", "8")));
        Assert.Contains("--batch_mining random is not allowed for --loss_s2sd_source npair", error.Message);
    }

    [Theory]
    [InlineData("softmax", "class_map")]
    [InlineData("arcface", "class_map")]
    [InlineData("proxynca", "proxies")]
    public void Nir_composes_onto_the_proxy_criteria(string loss, string proxies)
    {
        var (criterion, _, descriptor) = Build(Small("--loss", loss, "--loss_nir_w_align", "0.01", "--loss_nir_nf_cblocks", "1",
            "--loss_nir_nf_fc_width", "16"));
        using var _ = criterion;
        Assert.Equal("nir", descriptor.Name);
        Assert.Contains("inner." + proxies, criterion.state_dict().Keys);
    }
}
