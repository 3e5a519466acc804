using NirHost.Host.Composition;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.Options;
using NirHost.Tests.Support;

namespace NirHost.Tests.Cli;

public sealed class ArgumentParsingTests
{
    [Fact]
    public void The_papers_command_means_what_it_meant_in_the_original()
    {
        var run = HostHarness.Parse("--loss", "oproxy", "--dataset", "cub200", "--n_epochs", "100", "--tau", "100", "--gamma", "1",
            "--arch", "resnet50_frozen_normalize", "--embed_dim", "128", "--bs", "90", "--warmup", "1");

        var optimization = run.Get<OptimizationOptions>();
        var selection = run.Get<ComponentSelectionOptions>();
        Assert.Equal((100, 1.0, 90, 1), (optimization.NEpochs, optimization.Gamma, optimization.Bs, optimization.Warmup));
        Assert.Equal([100], optimization.Tau);
        Assert.Equal(("oproxy", "resnet50_frozen_normalize", 128), (selection.Loss, selection.Arch, selection.EmbedDim));
        Assert.Equal(0.00001, optimization.Lr);
        Assert.Equal(2000.0, run.Value("loss_oproxy_lrmulti"));
    }

    [Fact]
    public void Lists_switches_negative_numbers_equals_and_prefixes_parse_as_argparse_does()
    {
        var run = HostHarness.Parse("--tau", "140", "230", "--evaluation_metrics", "e_recall@1", "nmi", "--no_train_metrics",
            "--loss_oproxy_neg_delta", "-0.2", "--bs=64", "--n_ep", "7");

        Assert.Equal([140, 230], run.Get<OptimizationOptions>().Tau);
        Assert.Equal(["e_recall@1", "nmi"], run.Get<EvaluationOptions>().EvaluationMetrics);
        Assert.True(run.Get<EvaluationOptions>().NoTrainMetrics);
        Assert.Equal(-0.2, run.Value("loss_oproxy_neg_delta"));
        Assert.Equal(64, run.Get<OptimizationOptions>().Bs);
        Assert.Equal(7, run.Get<OptimizationOptions>().NEpochs);
        Assert.True(run.Arguments.WasGiven("n_epochs"));
        Assert.False(run.Arguments.WasGiven("lr"));
    }

    [Fact]
    public void The_last_occurrence_of_a_repeated_flag_wins()
    {
        Assert.Equal(5, HostHarness.Parse("--n_epochs", "3", "--n_epochs", "5").Get<OptimizationOptions>().NEpochs);
    }

    [Theory]
    [InlineData(new[] { "--n_epohcs", "5" }, "Unknown flag --n_epohcs. Did you mean --n_epochs?")]
    [InlineData(new[] { "--bs", "-3" }, "--bs: -3 is out of range")]
    [InlineData(new[] { "--bs", "ten" }, "--bs expects an integer, got 'ten'")]
    [InlineData(new[] { "--bs", "99999999999" }, "--bs: 99999999999 is out of range")]
    [InlineData(new[] { "--lr", "fast" }, "--lr expects a finite number, got 'fast'")]
    [InlineData(new[] { "--lr", "nan" }, "--lr expects a finite number")]
    [InlineData(new[] { "--loss_oproxy_mode", "triplet" }, "--loss_oproxy_mode: 'triplet' is not one of anchor, nca")]
    [InlineData(new[] { "--no_train_metrics", "true" }, "--no_train_metrics is a switch")]
    [InlineData(new[] { "--tau" }, "--tau expects one or more values")]
    [InlineData(new[] { "--dataset", "" }, "--dataset expects a non-empty value")]
    [InlineData(new[] { "--loss_" }, "--loss_ is ambiguous")]
    [InlineData(new[] { "oproxy" }, "Unexpected argument 'oproxy'")]
    public void Bad_input_is_an_error_naming_the_flag(string[] args, string message)
    {
        var error = Assert.Throws<CommandLineException>(() => HostHarness.Parse(args));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(new[] { "--bs", "91", "--samples_per_class", "2" }, "--bs 91 must be a multiple of --samples_per_class 2")]
    [InlineData(new[] { "--loss", "proxyanchr" }, "--loss: no Criterion named 'proxyanchr'")]
    [InlineData(new[] { "--arch", "vgg16_frozen_normalize" }, "--arch: no Architecture named 'vgg16'")]
    [InlineData(new[] { "--evaluation_metrics", "e_recall@1", "recall@1" }, "--evaluation_metrics: no Metric named 'recall'")]
    public void Inconsistent_or_unavailable_choices_are_errors_before_training(string[] args, string message)
    {
        string[] baseline = ["--dataset", "synthetic", "--arch", "convnet_normalize", "--loss", "oproxy", "--evaluation_metrics", "e_recall@1"];
        var run = HostHarness.Parse([.. baseline, .. args]);
        var error = Assert.Throws<CommandLineException>(() => RunValidation.Validate(run, HostHarness.Catalog));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(new[] { "--gpu", "0" }, "--gpu asks for CUDA device 0, but no CUDA device is available")]
    [InlineData(new[] { "--device", "cuda:1" }, "--device asks for CUDA device 1, but no CUDA device is available")]
    [InlineData(new[] { "--device", "tpu" }, "--device tpu: expected auto, cpu, cuda or cuda:N")]
    public void Asking_for_a_device_that_is_not_there_is_a_clear_error(string[] args, string message)
    {
        if (TorchSharp.torch.cuda.is_available() && !args.Contains("tpu"))
        {
            return; // The CUDA cases describe machines without CUDA, such as CI's.
        }
        var error = Assert.Throws<CommandLineException>(() => NirHost.Host.Composition.DeviceSelection.Resolve(HostHarness.Parse(args)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_cpu_is_always_available()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, NirHost.Host.Composition.DeviceSelection.Resolve(HostHarness.Parse("--device", "cpu")).type);
    }

    [Fact]
    public void Help_lists_flags_grouped_by_component()
    {
        var help = HelpWriter.Write(HostHarness.Parse().Flags);
        Assert.Contains("General: optimisation:", help);
        Assert.Contains("Criterion 'oproxy' (NirHost.Plugins.Criteria):", help);
        Assert.Contains("--loss_oproxy_lrmulti FLOAT", help);
        Assert.Contains("(default: 2000)", help);
    }
}
