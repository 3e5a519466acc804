using NirHost.Tests.Support;

namespace NirHost.Tests.Cli;

/// <summary>Every flag of the original's basic, batch-creation, online-logging and oproxy parameters, with its default.</summary>
public sealed class OriginalDefaultsTests
{
    // Transcribed from the original parameters.py (argparse defaults, list defaults space-separated).
    public static TheoryData<string, string> Defaults => new()
    {
        { "dataset", "cub200" },
        { "use_tv_split", "False" },
        { "tv_split_by_samples", "False" },
        { "tv_split_perc", "0" },
        { "completed", "False" },
        { "no_train_metrics", "False" },
        { "no_test_metrics", "False" },
        { "evaluation_metrics", "e_recall@1 e_recall@2 e_recall@4 e_recall@10 nmi f1 mAP_1000" },
        { "evaltypes", "embeds" },
        { "storage_metrics", "e_recall@1" },
        { "store_improvements", "False" },
        { "gpu", "0" },
        { "savename", "group_plus_seed" },
        { "lr", "1E-05" },
        { "fc_lr", "-1" },
        { "n_epochs", "150" },
        { "kernels", "6" },
        { "bs", "112" },
        { "seed", "0" },
        { "scheduler", "step" },
        { "gamma", "0.3" },
        { "decay", "0.0004" },
        { "tau", "10000" },
        { "augmentation", "base" },
        { "warmup", "0" },
        { "evaluate_on_cpu", "False" },
        { "internal_split", "1" },
        { "optim", "adam" },
        { "loss", "margin" },
        { "batch_mining", "distance" },
        { "embed_dim", "128" },
        { "arch", "resnet50_frozen_normalize" },
        { "not_pretrained", "False" },
        { "use_float16", "False" },
        { "log_online", "False" },
        { "wandb_key", "<your_wandb_key>" },
        { "project", "DiVA_Sample_Runs" },
        { "group", "Sample_Run" },
        { "data_sampler", "class_random" },
        { "data_ssl_set", "False" },
        { "samples_per_class", "2" },
        { "loss_oproxy_mode", "anchor" },
        { "loss_oproxy_lrmulti", "2000" },
        { "loss_oproxy_pos_alpha", "32" },
        { "loss_oproxy_neg_alpha", "32" },
        { "loss_oproxy_pos_delta", "0.1" },
        { "loss_oproxy_neg_delta", "-0.1" },
    };

    [Theory]
    [MemberData(nameof(Defaults))]
    public void Each_flag_exists_with_the_original_default(string flag, string expected)
    {
        var configuration = HostHarness.Parse();
        Assert.True(configuration.Flags.TryGet(flag, out var definitions), $"--{flag} is not accepted");
        var definition = definitions[0];
        var actual = definition.IsSwitch ? ((bool)definition.DefaultValue ? "True" : "False") : definition.FormatValue(definition.DefaultValue);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Paths_default_relative_to_the_working_directory_as_the_original()
    {
        var configuration = HostHarness.Parse();
        var values = configuration.EffectiveFlags().ToDictionary(f => f.Flag, f => f.Value);
        Assert.Equal(Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "../../Datasets")), values["source_path"]);
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "Training_Results"), values["save_path"]);
    }
}
