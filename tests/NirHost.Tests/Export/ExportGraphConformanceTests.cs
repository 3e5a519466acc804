using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using NirHost.Testing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary>The conformance kit checks an exportable architecture's graph description against its eval forward.</summary>
public sealed class ExportGraphConformanceTests
{
    [Fact]
    public void The_kit_names_a_graph_description_that_differs_from_the_forward()
    {
        var results = ConformanceKit.Check(typeof(MisdescribedArchitecture));

        var failed = results.Where(r => r.Failed).ToList();
        Assert.Equal(["misdescribed: its export graph computes its eval forward", "misdescribed_normalize: its export graph computes its eval forward"],
            failed.Select(r => r.Check).ToArray());
        Assert.Contains("differ from the forward's", failed[0].Detail);
    }

    [Fact]
    public void The_kit_passes_a_faithful_description()
    {
        var results = ConformanceKit.Check(typeof(FaithfulArchitecture));

        Assert.DoesNotContain(results, r => r.Failed);
        Assert.Contains(results, r => r.Check == "faithful_normalize: its export graph computes its eval forward" && r.Outcome == CheckOutcome.Passed);
    }

    /// <summary>conv, ReLU, mean pooling, head; <paramref name="forgetRelu"/> leaves the ReLU out of the description.</summary>
    public abstract class SmallArchitecture(string name, TrainingSetup setup, ComponentSpec spec, bool forgetRelu) : Architecture(name), IExportableArchitecture
    {
        private readonly Conv2d _conv = nn.Conv2d(3, 6, 3, padding: 1);
        private readonly Linear _head = nn.Linear(6, setup.EmbedDim);
        private readonly bool _normalize = spec.HasSuffix("normalize");

        protected void Register()
        {
            register_module("conv", _conv);
            register_module("last_linear", _head);
        }

        public override nn.Module<Tensor, Tensor> EmbeddingHead => _head;

        public override int PooledDim => 6;

        public override ArchitectureOutput Forward(Tensor input, bool warmup)
        {
            var pooled = nn.functional.relu(_conv.forward(input)).mean([2, 3]);
            var embeddings = _head.forward(pooled);
            return new ArchitectureOutput(_normalize ? nn.functional.normalize(embeddings, dim: -1) : embeddings, pooled);
        }

        public void DescribeGraph(ExportGraph graph)
        {
            var features = graph.Conv(graph.Input, _conv);
            var pooled = graph.GlobalAveragePool(forgetRelu ? features : graph.Relu(features));
            var embeddings = graph.Linear(pooled, _head);
            graph.SetOutputs(_normalize ? graph.L2Normalize(embeddings) : embeddings, pooled);
        }
    }

    [Architecture("misdescribed", Description = "Describes its graph without its ReLU (test).")]
    public sealed class MisdescribedArchitecture : SmallArchitecture
    {
        public MisdescribedArchitecture(TrainingSetup setup, ComponentSpec spec) : base("misdescribed", setup, spec, forgetRelu: true) => Register();
    }

    [Architecture("faithful", Description = "Describes its graph as it computes it (test).")]
    public sealed class FaithfulArchitecture : SmallArchitecture
    {
        public FaithfulArchitecture(TrainingSetup setup, ComponentSpec spec) : base("faithful", setup, spec, forgetRelu: false) => Register();
    }
}
