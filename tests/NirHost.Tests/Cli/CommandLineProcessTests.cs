using System.Text.Json.Nodes;
using NirHost.Tests.Support;

namespace NirHost.Tests.Cli;

/// <summary>The nirhost executable as a user runs it: exit codes, stdout and stderr.</summary>
public sealed class CommandLineProcessTests
{
    private static (int ExitCode, string Output, string Error) Nirhost(params string[] args) => DotnetCli.Nirhost(args);

    [Fact]
    public void Plugins_json_lists_every_component_under_its_kind_with_options()
    {
        var (exit, output, _) = Nirhost("plugins", "--json");

        Assert.Equal(0, exit);
        var components = JsonNode.Parse(output)!["components"]!.AsArray();
        var names = components.Select(c => $"{c!["kind"]}/{c["name"]}").ToList();
        Assert.Contains("Criterion/oproxy", names);
        Assert.Contains("Sampler/class_random", names);
        Assert.Contains("Sampler/random", names);
        Assert.Contains("Metric/e_recall", names);
        Assert.Contains("Dataset/synthetic", names);
        Assert.Contains("Architecture/convnet", names);
        var oproxy = components.First(c => c!["name"]!.GetValue<string>() == "oproxy")!;
        Assert.Equal("NirHost.Plugins.Criteria", oproxy["plugin"]!.GetValue<string>());
        Assert.Contains(oproxy["options"]!.AsArray(), o => o!["flag"]!.GetValue<string>() == "--loss_oproxy_lrmulti" && o["default"]!.GetValue<string>() == "2000");
    }

    [Fact]
    public void Bad_flags_exit_with_a_clear_message_and_no_stack_trace()
    {
        var (exit, _, error) = Nirhost("--n_epohcs", "3");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown flag --n_epohcs. Did you mean --n_epochs?", error);
        Assert.DoesNotContain("   at ", error);

        (exit, _, error) = Nirhost("--dataset", "synthetic", "--arch", "convnet", "--loss", "oproxy", "--bs", "91", "--samples_per_class", "2");
        Assert.Equal(2, exit);
        Assert.Contains("--bs 91 must be a multiple of --samples_per_class 2", error);
    }

    [Fact]
    public void Help_exits_cleanly()
    {
        var (exit, output, _) = Nirhost("--help");
        Assert.Equal(0, exit);
        Assert.Contains("--loss_oproxy_mode", output);
    }
}
