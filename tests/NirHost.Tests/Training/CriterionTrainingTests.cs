using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>
/// Every criterion trains through the whole host (synthetic data, convnet, sampler, miner, Adam): four epochs (a few steps each)
/// at tiny settings, with a finite training loss that falls.
/// </summary>
public sealed class CriterionTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string, string[]> Runs => new()
    {
        { "margin", "distance", ["--loss_margin_beta_lr", "0.01"] },
        { "triplet", "semihard", [] },
        { "contrastive", "rho_distance", [] },
        { "multisimilarity", "distance", [] },
        { "npair", "npair", [] },
        { "softmax", "distance", ["--loss_softmax_lr", "0.01"] },
        { "arcface", "distance", ["--loss_arcface_lr", "0.01"] },
        { "s2sd", "distance", ["--loss_s2sd_target_dims", "32", "--loss_s2sd_w", "1"] },
        // The branches pool the architecture's unpooled feature maps themselves (average plus max).
        { "s2sd", "distance", ["--loss_s2sd_target_dims", "32", "--loss_s2sd_w", "1", "--loss_s2sd_pool_aggr"] },
        { "angular", "npair", [] },
        { "histogram", "distance", [] },
        { "lifted", "lifted", [] },
        { "quadruplet", "random", [] },
        { "snr", "softhard", [] },
        // The original normalises the centroid matrix per embedding coordinate, so centroids stay below unit length
        // (and the regulariser's square root real) only with more centroids than embedding dimensions.
        { "softtriplet", "distance", ["--loss_softtriplet_n_centroids", "8"] },
        { "proxynca", "distance", [] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void The_criterion_trains_with_a_finite_falling_loss(string loss, string miner, string[] extra)
    {
        var summary = HostHarness.Train(
        [
            "--dataset", "synthetic", "--synthetic_classes", "8", "--synthetic_samples_per_class", "16", "--synthetic_image_size", "16",
            "--arch", "convnet_normalize", "--convnet_width", "8", "--embed_dim", "16",
            "--loss", loss, "--batch_mining", miner, "--lr", "0.005", "--decay", "0",
            "--bs", "16", "--samples_per_class", "4", "--n_epochs", "4", "--no_train_metrics", "--no_test_metrics",
            "--evaluation_metrics", "e_recall@1", "--device", "cpu", "--save_path", _folder.Path, "--savename", loss,
            .. extra,
        ]);

        Assert.Equal(4, summary.TrainLoss.Count);
        Assert.All(summary.TrainLoss, value => Assert.True(double.IsFinite(value), $"{loss}: loss {value}"));
        Assert.True(summary.TrainLoss[^1] < summary.TrainLoss[0],
            $"{loss} with {miner}: the loss did not fall ({string.Join(" -> ", summary.TrainLoss.Select(v => v.ToString("0.0000")))})");
    }
}
