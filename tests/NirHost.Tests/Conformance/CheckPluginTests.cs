using NirHost.Abstractions;
using NirHost.Host;
using NirHost.Host.Commands;
using NirHost.Host.Plugins;
using NirHost.Testing;
using NirHost.Tests.Support;
using Spectre.Console;
using static TorchSharp.torch;

namespace NirHost.Tests.Conformance;

/// <summary><c>nirhost check-plugin</c> on deliberately broken and misbuilt plugins.</summary>
public sealed class CheckPluginTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string Install(string project, string kindFolder, string? assemblyName = null) =>
        TestPlugins.Install(_root.Path, project, kindFolder, assemblyName);

    private static (int ExitCode, string Output) CheckPlugin(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 400;
        var exit = CheckPluginCommand.Run(args, console);
        return (exit, writer.ToString());
    }

    [Fact]
    public void A_broken_criterion_fails_naming_the_failed_checks_and_exits_non_zero()
    {
        var folder = Install("NirHost.TestPlugins.Broken", "Criteria");

        var (exit, output) = CheckPlugin(folder);

        Assert.Equal(1, exit);
        var failed = output.Split('\n').Where(line => line.Contains("FAIL")).ToList();
        Assert.Contains(failed, line => line.Contains("float32 on cpu: gradients reach the embeddings") && line.Contains("no gradient reached the embeddings"));
        Assert.Contains(failed, line => line.Contains("every flag has a default and help") && line.Contains("--detached_scale has no Help text"));
        // What works is still reported as working.
        Assert.Contains(output.Split('\n'), line => line.Contains("float32 on cpu: normal batch gives a finite scalar") && line.Contains("pass"));
        Assert.Contains("checks failed", output);
    }

    [Fact]
    public void A_good_plugin_passes_and_exits_zero()
    {
        var folder = Install("NirHost.TestPlugins.Good", "Metrics");

        var (exit, output) = CheckPlugin(folder);

        Assert.True(exit == 0, output);
        Assert.Contains("is invariant to sample order", output);
        Assert.Contains("checks passed", output);
    }

    [Fact]
    public void A_criterion_composing_one_installed_beside_the_host_is_checked_with_it()
    {
        // triplet_twice builds "triplet", which only the host's own plugins folder (the in-repo criteria) holds.
        Assert.True(Directory.Exists(Path.Combine(PluginRoots.BesideHostFolder, "Criteria")), "the test runner carries the in-repo plugins");
        var folder = Install("NirHost.TestPlugins.Composing", "Criteria");

        var (exit, output) = CheckPlugin(folder);

        Assert.True(exit == 0, output);
        Assert.Contains(output.Split('\n'), line => line.Contains("triplet_twice") && line.Contains("gradients reach the embeddings") && line.Contains("pass"));

        // Without the host's criteria the composed one is unknown, which is what the scan of the host's folder prevents.
        using var pool = new PluginLoaderPool();
        var alone = CheckPluginCommand.Check(pool.ScanPath(folder), []);
        Assert.Contains(alone, r => r.Failed && r.Detail.Contains("triplet", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plugin_in_the_wrong_kind_folder_fails_the_load_check()
    {
        var folder = Install("NirHost.TestPlugins.WrongKind", "Metrics");

        var (exit, output) = CheckPlugin(Path.Combine(folder, "NirHost.TestPlugins.WrongKind.dll"));

        Assert.Equal(1, exit);
        Assert.Contains(output.Split('\n'), line => line.Contains("loads") && line.Contains("FAIL") && line.Contains("move it to Criteria/"));
    }

    [Fact]
    public void The_kit_names_a_metric_outside_its_declared_range()
    {
        var results = ConformanceKit.Check(typeof(OutOfRangeMetric));

        var failed = Assert.Single(results, r => r.Failed);
        Assert.Equal("is finite and lies in its declared range [0, 1]", failed.Check);
        Assert.Contains("1.5", failed.Detail);
        Assert.Throws<ConformanceException>(() => ConformanceKit.AssertConforms(typeof(OutOfRangeMetric)));
    }

    [Fact]
    public void The_kit_names_a_sampler_that_ignores_samples_per_class_and_its_seed()
    {
        var results = ConformanceKit.Check(typeof(SloppySampler));

        Assert.Equal(["respects --samples_per_class", "same random source, same batches"],
            results.Where(r => r.Failed).Select(r => r.Check).ToArray());
    }

    [Fact]
    public void The_kit_names_a_criterion_whose_loss_without_tuples_has_no_graph()
    {
        var failed = ConformanceKit.Check(typeof(ConstantWhenEmptyCriterion)).Where(r => r.Failed).ToList();

        Assert.Equal(
            [
                "float32 on cpu: one sample per class gives finite gradients", "float32 on cpu: a batch of one class gives finite gradients",
                "float64 on cpu: one sample per class gives finite gradients", "float64 on cpu: a batch of one class gives finite gradients",
            ],
            failed.Select(r => r.Check));
        Assert.All(failed, r => Assert.Contains("the host's backward pass would fail", r.Detail));
    }

    [Fact]
    public void The_kit_builds_the_criteria_a_criterion_composes_with_a_miner_where_they_need_one()
    {
        var results = ConformanceKit.Check(typeof(TwiceCriterion));

        Assert.True(!results.Any(r => r.Failed), string.Join(Environment.NewLine, results.Where(r => r.Failed)));
        Assert.Contains(results, r => r.Check == "float32 on cpu: gradients reach the embeddings");

        var factory = new ConformanceCriterionFactory([typeof(PullCriterion)]);
        using var built = factory.Create("pull", TestSetups.Create(), "loss_inner");
        Assert.IsType<ValidTripletMiner>(Assert.IsType<PullCriterion>(built).Miner);
        var unknown = Assert.Throws<ArgumentException>(() => factory.Create("push", TestSetups.Create(), "loss_inner"));
        Assert.Contains("--loss_inner push", unknown.Message);
        Assert.Contains("it knows: pull", unknown.Message);
    }

    /// <summary>Pulls mined positives to their anchors; a zero that keeps the graph when nothing was mined.</summary>
    [Criterion("pull", AllowedMiners = ["random"])]
    public sealed class PullCriterion(IBatchMiner miner) : Criterion("pull")
    {
        public IBatchMiner Miner => miner;

        public override Tensor forward(CriterionBatch batch)
        {
            var mined = miner.Mine(batch.Embeddings.detach(), batch.Labels, batch.Random);
            if (mined.Count == 0)
            {
                return batch.Embeddings.sum().mul(0);
            }
            var anchors = batch.Embeddings.index_select(0, tensor(mined.Anchors, device: batch.Embeddings.device));
            var positives = batch.Embeddings.index_select(0, tensor(mined.Positives, device: batch.Embeddings.device));
            return anchors.sub(positives).pow(2).sum(1).mean();
        }
    }

    /// <summary>As <see cref="PullCriterion"/>, but a constant without a graph when nothing was mined.</summary>
    [Criterion("constant_when_empty", AllowedMiners = ["random"])]
    public sealed class ConstantWhenEmptyCriterion(IBatchMiner miner) : Criterion("constant_when_empty")
    {
        private readonly PullCriterion _pull = new(miner);

        public override Tensor forward(CriterionBatch batch) =>
            miner.Mine(batch.Embeddings.detach(), batch.Labels, batch.Random).Count == 0
                ? zeros([], dtype: batch.Embeddings.dtype, device: batch.Embeddings.device)
                : _pull.forward(batch);
    }

    /// <summary>Composes another criterion by name, as S2SD does: twice the pull loss, built by the factory with its miner.</summary>
    [Criterion("twice")]
    public sealed class TwiceCriterion : Criterion
    {
        private readonly Criterion _inner;

        public TwiceCriterion(ICriterionFactory factory, TrainingSetup setup) : base("twice") => _inner = factory.Create("pull", setup, "loss_twice_inner");

        public override Tensor forward(CriterionBatch batch) => _inner.forward(batch).mul(2);
    }

    [Metric("out_of_range", Minimum = 0, Maximum = 1)]
    public sealed class OutOfRangeMetric : IMetric
    {
        public string Name => "out_of_range";

        public (int Euclidean, int Cosine) NeighboursNeeded => (0, 0);

        public double Compute(IEvaluationData data) => 1.5;
    }

    /// <summary>Draws samples regardless of class and from its own generator rather than the epoch's.</summary>
    [Sampler("sloppy", RespectsSamplesPerClass = true)]
    public sealed class SloppySampler(SamplerData data, TrainingSetup setup) : IBatchSampler
    {
        private readonly Random _own = new(11);

        public int BatchesPerEpoch => 2;

        public IEnumerable<int[]> Batches(Random random)
        {
            for (var b = 0; b < BatchesPerEpoch; b++)
            {
                yield return [.. Enumerable.Range(0, setup.BatchSize).Select(_ => _own.Next(data.Labels.Count))];
            }
        }
    }
}
