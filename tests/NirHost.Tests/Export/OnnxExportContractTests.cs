using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using NirHost.Abstractions;
using NirHost.Export;
using NirHost.Inference;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary>What an exported file says about itself: its input and outputs, and the metadata an application prepares images by.</summary>
public sealed class OnnxExportContractTests
{
    [Theory]
    [InlineData("resnet18", "normalize", 48)]
    [InlineData("bninception", "", 0)]
    [InlineData("convnet", "gray", 32)]
    public void Input_output_shapes_and_metadata_are_the_architectures_contract(string arch, string suffixes, int size)
    {
        random.manual_seed(3);
        using var model = OnnxModels.Create(arch, suffixes);
        var contract = OnnxModels.Contract(arch, suffixes);
        const string config = """{"command":"train","flags":{"arch":"x"}}""";
        var bytes = OnnxModels.Export(model, new OnnxExportRequest(OnnxModels.Spec(arch, suffixes).FullName, contract, size)
        {
            ConfigJson = config,
            Checkpoint = "checkpoint_last.safetensors",
        });
        using var session = new InferenceSession(bytes);
        var metadata = session.ModelMetadata.CustomMetadataMap;

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal(OnnxExporter.InputName, input.Key);
        Assert.Equal(typeof(float), input.Value.ElementType);
        Assert.Equal("batch", input.Value.SymbolicDimensions[0]);
        Assert.Equal(-1, input.Value.Dimensions[0]);
        Assert.Equal(int.Parse(metadata[OnnxMetadataKeys.Channels], CultureInfo.InvariantCulture), input.Value.Dimensions[1]);
        var declaredSize = int.Parse(metadata[OnnxMetadataKeys.InputSize], CultureInfo.InvariantCulture);
        Assert.Equal(size, declaredSize);
        if (declaredSize > 0)
        {
            Assert.Equal([declaredSize, declaredSize], input.Value.Dimensions[2..]);
        }
        else
        {
            Assert.Equal(["height", "width"], input.Value.SymbolicDimensions[2..]);
        }

        Assert.Equal([OnnxExporter.EmbeddingsName, OnnxExporter.PooledFeaturesName], session.OutputNames);
        Assert.Equal(int.Parse(metadata[OnnxMetadataKeys.EmbeddingDim], CultureInfo.InvariantCulture), session.OutputMetadata[OnnxExporter.EmbeddingsName].Dimensions[1]);
        Assert.Equal(OnnxModels.EmbedDim, session.OutputMetadata[OnnxExporter.EmbeddingsName].Dimensions[1]);
        Assert.Equal(model.PooledDim, session.OutputMetadata[OnnxExporter.PooledFeaturesName].Dimensions[1]);
        Assert.Equal(model.PooledDim.ToString(CultureInfo.InvariantCulture), metadata[OnnxMetadataKeys.PooledDim]);

        // The contract read back from the metadata alone is the architecture's.
        var read = new InputContract(declaredSize == 0 ? 0 : contract.Size, input.Value.Dimensions[1],
            JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.Mean])!, JsonSerializer.Deserialize<float[]>(metadata[OnnxMetadataKeys.Std])!,
            metadata[OnnxMetadataKeys.ColourOrder] switch { "rgb" => ColourOrder.Rgb, "bgr" => ColourOrder.Bgr, var other => throw new InvalidDataException(other) },
            float.Parse(metadata[OnnxMetadataKeys.ValueScale], CultureInfo.InvariantCulture));
        Assert.Equal(contract, read);
        Assert.Equal(OnnxModels.Spec(arch, suffixes).FullName, metadata[OnnxMetadataKeys.Architecture]);
        Assert.Equal(suffixes.Contains("normalize", StringComparison.Ordinal) ? "true" : "false", metadata[OnnxMetadataKeys.Normalized]);
        Assert.Equal(config, metadata[OnnxMetadataKeys.Config]);
        Assert.Equal("checkpoint_last.safetensors", metadata[OnnxMetadataKeys.Checkpoint]);
        Assert.Equal("1", metadata[OnnxMetadataKeys.FormatVersion]);
    }

    [Fact]
    public void BN_Inception_declares_bgr_input_on_the_0_255_scale()
    {
        random.manual_seed(4);
        using var model = OnnxModels.Create("bninception");
        using var session = new InferenceSession(OnnxModels.Export(model, new OnnxExportRequest("bninception", InputContract.BnInception, 224)));
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("bgr", metadata[OnnxMetadataKeys.ColourOrder]);
        Assert.Equal(InputContract.BnInception.Std.Select(s => (double)s), JsonSerializer.Deserialize<double[]>(metadata[OnnxMetadataKeys.Std])!);
        Assert.Equal([-1, 3, 224, 224], session.InputMetadata[OnnxExporter.InputName].Dimensions);
    }

    [Fact]
    public void An_architecture_without_the_contract_is_refused_naming_it_and_the_interface()
    {
        using var model = new OpaqueArchitecture();
        var error = Assert.Throws<ArchitectureNotExportableException>(() =>
            OnnxModels.Export(model, new OnnxExportRequest("opaque_normalize", InputContract.ImageNet, 0)));
        Assert.Contains("--arch opaque_normalize", error.Message);
        Assert.Contains(nameof(OpaqueArchitecture), error.Message);
        Assert.Contains("NirHost.Abstractions.Export.IExportableArchitecture", error.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(18)]
    public void Opsets_outside_11_to_17_are_refused(int opset)
    {
        using var model = OnnxModels.Create("convnet");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxModels.Export(model, new OnnxExportRequest("convnet", OnnxModels.Contract("convnet"), 0) { Opset = opset }));
        Assert.Contains($"--opset {opset}", error.Message);
    }

    [Fact]
    public void An_older_opset_is_written_and_runs()
    {
        random.manual_seed(5);
        using var model = OnnxModels.Create("convnet", "normalize");
        using var session = new InferenceSession(OnnxModels.Export(model, new OnnxExportRequest("convnet_normalize", OnnxModels.Contract("convnet"), 0) { Opset = 13 }));
        using var images = randn(2, 3, 32, 32);
        var (expected, _) = OnnxModels.Forward(model, images);
        var (actual, _) = OnnxModels.Run(session, images.data<float>().ToArray(), images.shape);
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-5, $"{pair.First} vs {pair.Second}"));
    }

    /// <summary>A plugin-style architecture that does not describe its graph.</summary>
    private sealed class OpaqueArchitecture : Architecture
    {
        private readonly TorchSharp.Modules.Linear _head = TorchSharp.torch.nn.Linear(3, 4);

        public OpaqueArchitecture() : base("opaque") => RegisterComponents();

        public override TorchSharp.torch.nn.Module<Tensor, Tensor> EmbeddingHead => _head;

        public override int PooledDim => 3;

        public override ArchitectureOutput Forward(Tensor input, bool warmup)
        {
            var pooled = input.mean([2, 3]);
            return new ArchitectureOutput(_head.forward(pooled), pooled);
        }
    }
}
