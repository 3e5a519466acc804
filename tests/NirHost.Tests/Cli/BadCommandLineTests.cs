using NirHost.Host.Composition;
using System.Globalization;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Tests.Support;

namespace NirHost.Tests.Cli;

/// <summary>
/// Property test: a few hundred generated command lines, each with one defect among valid (and repeated) flags,
/// all end in a clear <see cref="CommandLineException"/>: never another exception, never a stack trace.
/// </summary>
public sealed class BadCommandLineTests
{
    private static readonly string[] Base =
    [
        "--dataset", "synthetic", "--arch", "convnet_normalize", "--loss", "oproxy",
        "--evaluation_metrics", "e_recall@1", "e_recall@2", "--device", "cpu",
    ];

    /// <summary>Valid groups, drawn as noise around the defect; drawing one twice repeats its flag, which is legal.</summary>
    private static readonly string[][] Valid =
    [
        ["--n_epochs", "3"], ["--seed", "7"], ["--lr", "0.001"], ["--lr=1e-4"], ["--no_train_metrics"], ["--tau", "3", "5"],
        ["--bs", "8"], ["--samples_per_class", "2"], ["--embed_dim", "16"], ["--gamma", "-0"], ["--warmup", "0"],
        ["--loss_oproxy_mode", "nca"], ["--synthetic_classes", "10"], ["--n_ep", "2"], ["--store_improvements"],
        ["--on_nonfinite", "skip"], ["--savename", "run ü ✓"], ["--decay", "0"], ["--scheduler", "none"], ["--kernels", "2"],
    ];

    private static readonly string[] NotNumbers =
        ["abc", "1.5.2", "1e", "0x10", "1,5", "١٢", "½", "NaN", "Infinity", "1e999", "--", "-", "∞", "12abc", " ", "3 4", "true", "\u00a0"];

    private static readonly string[] Huge = ["99999999999999999999", "-99999999999999999999", "2147483648", "1e400", "1" + new string('0', 400)];

    [Fact]
    public void Generated_bad_command_lines_all_end_in_a_clear_command_line_error()
    {
        var flags = RunCommandLine.BuildFlags(HostHarness.Catalog);
        var definitions = flags.Names.Order(StringComparer.Ordinal).Select(name =>
        {
            flags.TryGet(name, out var found);
            return found[0];
        }).ToList();
        var random = new Random(8);
        var failures = new List<string>();
        const int cases = 400;
        for (var i = 0; i < cases; i++)
        {
            var (defect, flag) = Defect(random, definitions);
            var noise = Enumerable.Range(0, random.Next(0, 5))
                .Select(_ => Valid[random.Next(Valid.Length)])
                .Where(group => flag is null || !group[0].StartsWith("--" + flag, StringComparison.Ordinal) && !("--" + flag).StartsWith(group[0].Split('=')[0], StringComparison.Ordinal))
                .ToList();
            noise.Insert(random.Next(noise.Count + 1), defect);
            string[] line = [.. Base, .. noise.SelectMany(group => group)];
            var error = Record.Exception(() => RunValidation.Validate(RunCommandLine.Parse(flags, line), HostHarness.Catalog));
            var shown = string.Join(' ', line.Select(a => $"[{a}]"));
            if (error is not CommandLineException)
            {
                failures.Add($"{shown} -> {(error is null ? "accepted" : $"{error.GetType().Name}: {error.Message}")}");
            }
            else if (error.Message.Length is 0 or > 600 || error.Message.Contains("   at ", StringComparison.Ordinal))
            {
                failures.Add($"{shown} -> unclear message: {error.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} bad command lines were not clear errors:\n{string.Join('\n', failures.Take(20))}");
    }

    [Theory]
    [InlineData("--n_epochs", "ten")]
    [InlineData("--bs", "99999999999999999999")]
    [InlineData("--lr", "")]
    [InlineData("--evaluation_metrics", "e_recall@x")]
    [InlineData("--loss")]
    [InlineData("--device", "tpu")]
    [InlineData("--no_train_metrics", "yes")]
    public void The_nirhost_command_answers_a_bad_command_line_with_exit_code_2_and_one_clear_line(params string[] defect)
    {
        var entry = typeof(NirHost.Host.Commands.TrainCommand).Assembly.EntryPoint!;
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = (int)entry.Invoke(null, [(string[])[.. Base, .. defect]])!;
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Equal(2, exit);
        var text = error.ToString().Trim();
        Assert.StartsWith("error: ", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain('\n', text);
    }

    /// <summary>One defective group of tokens, and the flag it is about (so that the noise does not repeat and override it).</summary>
    private static (string[] Tokens, string? Flag) Defect(Random random, List<FlagDefinition> definitions)
    {
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
        var numeric = definitions.Where(d => !d.IsSwitch && d.ElementType != typeof(string)).ToList();
        var integral = numeric.Where(d => d.ElementType == typeof(int) || d.ElementType == typeof(long)).ToList();
        var strings = definitions.Where(d => !d.IsSwitch && d.ElementType == typeof(string)).ToList();
        var valued = definitions.Where(d => !d.IsSwitch).ToList();
        var switches = definitions.Where(d => d.IsSwitch && d.Name is not "debug").ToList();
        var bounded = numeric.Where(d => d.Attribute.Min > double.MinValue && !double.IsNegativeInfinity(d.Attribute.Min) && d.Attribute.Min > -1e9).ToList();
        var choices = definitions.Where(d => d.Attribute.Choices is { Length: > 0 }).ToList();
        switch (random.Next(13))
        {
            case 0:
            {
                var name = new string(Enumerable.Range(0, random.Next(1, 8)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray());
                return ([$"--zz{name}", "1"], null);
            }
            case 1:
            {
                var d = Pick(numeric);
                return ([$"--{d.Name}", Pick(NotNumbers)], d.Name);
            }
            case 2:
            {
                var d = Pick(integral);
                return ([$"--{d.Name}", random.Next(2) == 0 ? Pick(Huge) : "1.5"], d.Name);
            }
            case 3:
            {
                var d = Pick(strings);
                return ([$"--{d.Name}", random.Next(2) == 0 ? "" : "a\0b"], d.Name);
            }
            case 4:
            {
                var d = Pick(valued);
                return ([$"--{d.Name}"], d.Name);
            }
            case 5:
            {
                var d = Pick(switches);
                return ([$"--{d.Name}", Pick(new[] { "yes", "1", "false" })], d.Name);
            }
            case 6:
            {
                var d = Pick(bounded);
                var below = d.Attribute.Min - (d.ElementType == typeof(int) ? 1 : 0.5);
                return ([$"--{d.Name}", below.ToString(CultureInfo.InvariantCulture)], d.Name);
            }
            case 7:
            {
                var d = Pick(choices);
                return ([$"--{d.Name}", d.Attribute.Choices![0] + "_x"], d.Name);
            }
            case 8:
                // Look-alike letters: a Cyrillic o, a Greek alpha, an em dash, a full-width hyphen.
                return (Pick(new[] { new[] { "--lоss", "oproxy" }, new[] { "--αrch", "convnet" }, new[] { "—loss", "oproxy" }, new[] { "－－bs", "8" } }), null);
            case 9:
                return (Pick(new[] { new[] { "stray" }, new[] { "-x" }, new[] { "" }, new[] { "--" }, new[] { "---bs", "8" }, new[] { "--=3" } }), null);
            case 10:
            {
                var (flag, value) = Pick(new[]
                {
                    ("loss", "nosuchloss"), ("dataset", "imagenet22k"), ("arch", "transformer9000"), ("data_sampler", "psychic"),
                    ("evaluation_metrics", "e_recall@x"), ("evaluation_metrics", "e_recall@0"), ("evaluation_metrics", "e_recall@"),
                    ("device", "tpu"), ("device", "cuda:x"), ("evaluation_metrics", "nosuchmetric@3"),
                });
                return ([$"--{flag}", value], flag);
            }
            case 11:
                return (["--bs", "9", "--samples_per_class", "2"], "bs");
            default:
            {
                var d = Pick(numeric);
                return ([$"--{d.Name}={Pick(NotNumbers)}"], d.Name);
            }
        }
    }
}
