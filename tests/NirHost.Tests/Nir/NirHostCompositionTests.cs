using NirHost.Host.Cli;
using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host;
using NirHost.Host.Composition;
using NirHost.Host.IO;
using NirHost.Host.Plugins;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Nir;

/// <summary>NIR through the host: alone, composed around another proxy criterion, refused on one without proxies, and trained.</summary>
public sealed class NirHostCompositionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string[] Small(params string[] overrides) =>
    [
        "--dataset", "synthetic", "--arch", "convnet_normalize", "--synthetic_classes", "10", "--synthetic_samples_per_class", "10",
        "--bs", "20", "--samples_per_class", "2", "--embed_dim", "16", "--loss_nir_nf_fc_width", "32", "--loss_nir_nf_cblocks", "2",
        "--device", "cpu", "--save_path", _folder.Path, "--savename", "run", "--evaluation_metrics", "e_recall@1", "--no_train_metrics",
        .. overrides,
    ];

    private static CriterionWithMiner BuildCriterion(PluginCatalog catalog, string[] args)
    {
        var configuration = RunCommandLine.Parse(RunCommandLine.BuildFlags(catalog), args);
        using var services = new ServiceCollection().AddLogging().AddNirHostRun(catalog, configuration).BuildServiceProvider();
        return services.GetRequiredService<CriterionWithMiner>();
    }

    [Fact]
    public void Loss_nir_alone_owns_its_proxies()
    {
        var (criterion, _, descriptor) = BuildCriterion(HostHarness.Catalog, Small("--loss", "nir"));
        using var _ = criterion;
        Assert.Equal("nir", descriptor.Name);
        var keys = criterion.state_dict().Keys.ToList();
        Assert.Contains("proxies", keys);
        Assert.Contains("normflow.normflow.module_list.2.perm", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("inner.", StringComparison.Ordinal));
    }

    [Fact]
    public void Align_weight_on_a_proxy_criterion_composes_nir_around_it()
    {
        var (criterion, _, descriptor) = BuildCriterion(HostHarness.Catalog,
            Small("--loss", "oproxy", "--loss_nir_w_align", "0.0075", "--loss_oproxy_lrmulti", "100", "--loss_nir_lrmulti", "10", "--lr", "0.001"));
        using var _ = criterion;
        Assert.Equal("nir", descriptor.Name);
        var proxyCriterion = Assert.IsAssignableFrom<IProxyCriterion>(criterion);
        var keys = criterion.state_dict().Keys.ToList();
        Assert.Contains("inner.proxies", keys);
        Assert.DoesNotContain("proxies", keys);
        Assert.Contains("normflow.normflow.module_list.0.perm", keys);
        Assert.Contains("normflow.normflow.module_list.3.subnet2.0.weight", keys);

        var setup = TestSetups.Create(embedDim: 16, numClasses: 5, lr: 0.001);
        Assert.Equal(0.1, proxyCriterion.ProxyLearningRate(setup), 12);
        var groups = criterion.ParameterGroups(setup).ToList();
        Assert.Equal(["proxies", "normflow"], groups.Select(g => g.Name));
        Assert.Same(proxyCriterion.Proxies, groups[0].Parameters.Single());
        Assert.Equal(0.01, groups[1].LearningRate, 12);

        // The composite trains: a loss that reaches the inner proxies and the flow.
        using var x = nn.functional.normalize(randn(10, 16), dim: 1).requires_grad_(true);
        using var labels = tensor(new long[] { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4 });
        using var loss = criterion.forward(new CriterionBatch(x, labels));
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.NotNull(proxyCriterion.Proxies.grad);
        Assert.All(groups[1].Parameters, p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void An_align_weight_of_zero_or_left_at_its_default_composes_nothing()
    {
        var (zero, _, zeroDescriptor) = BuildCriterion(HostHarness.Catalog, Small("--loss", "oproxy", "--loss_nir_w_align", "0"));
        using var _ = zero;
        Assert.Equal("oproxy", zeroDescriptor.Name);
        var (plain, _, plainDescriptor) = BuildCriterion(HostHarness.Catalog, Small("--loss", "oproxy"));
        using var __ = plain;
        Assert.Equal("oproxy", plainDescriptor.Name);
    }

    [Fact]
    public void Align_weight_on_a_criterion_without_proxies_is_refused()
    {
        var attribute = new CriterionAttribute("plain_test");
        var catalog = new PluginCatalog(
            [.. HostHarness.Catalog.Components, new ComponentDescriptor(attribute, typeof(PlainCriterion), typeof(PlainCriterion).Assembly.Location, "0")],
            [], []);
        var error = Assert.ThrowsAny<Exception>(() => BuildCriterion(catalog, Small("--loss", "plain_test", "--loss_nir_w_align", "0.01")));
        Assert.IsType<NirHost.Host.Cli.CommandLineException>(error);
        Assert.Equal("--loss_nir_w_align needs a proxy-based criterion; --loss plain_test has no proxies.", error.Message);
    }

    [Fact]
    public void Training_nir_end_to_end_lowers_the_loss_and_checkpoints_the_flow()
    {
        var summary = HostHarness.Train(Small("--loss", "nir", "--n_epochs", "2", "--lr", "0.001", "--loss_nir_proxy_lrmulti", "100",
            "--loss_nir_lrmulti", "5", "--store_improvements"));
        Assert.Equal(2, summary.TrainLoss.Count);
        Assert.All(summary.TrainLoss, loss => Assert.True(double.IsFinite(loss)));
        Assert.True(summary.TrainLoss[^1] < summary.TrainLoss[0], $"the loss did not fall: {string.Join(", ", summary.TrainLoss)}");

        var tensors = SafeTensorsFile.Read(Path.Combine(summary.RunFolder, "checkpoint_Test_e_recall_1.safetensors"));
        try
        {
            Assert.Contains("criterion.proxies", tensors.Keys);
            var permutations = tensors.Keys.Where(k => k.EndsWith(".perm", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, permutations.Count);
            Assert.All(permutations, k => Assert.Equal([16L], tensors[k].shape));
            Assert.Contains("criterion.normflow.normflow.module_list.2.perm_inv", tensors.Keys);
            Assert.Equal(ScalarType.Int64, tensors["criterion.normflow.normflow.module_list.0.perm"].dtype);
            Assert.Contains("criterion.normflow.normflow.module_list.1.subnet1.0.weight", tensors.Keys);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }
}

/// <summary>A criterion without proxies, to check that NIR refuses to compose onto it.</summary>
public sealed class PlainCriterion() : Criterion("plain_test")
{
    public override Tensor forward(CriterionBatch batch) => batch.Embeddings.square().mean();
}
