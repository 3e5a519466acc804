using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using NirHost.Abstractions;
using NirHost.Export;
using NirHost.Plugins.Architectures;
using NirHost.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary>Built-in architectures with random weights and BatchNorm statistics, exported and run by ONNX Runtime.</summary>
internal static class OnnxModels
{
    public const int EmbedDim = 16;

    public static ComponentSpec Spec(string name, string suffixes) =>
        new(suffixes.Length == 0 ? name : $"{name}_{suffixes}", name, null,
            suffixes.Split('_', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// The architecture with random weights and random BatchNorm statistics (fresh ones are 0 and 1, which would hide a
    /// wrong mean/variance order), in eval mode.
    /// </summary>
    public static Architecture Create(string name, string suffixes = "")
    {
        var spec = Spec(name, suffixes);
        var setup = TestSetups.Create(embedDim: EmbedDim);
        var backbone = new BackboneOptions { NotPretrained = true };
        Architecture model = name switch
        {
            "convnet" => new ConvNetArchitecture(new ConvNetOptions { Width = 8 }, setup, spec),
            "resnet18" => new ResNet18Architecture(backbone, setup, spec, NullLogger<ResNet18Architecture>.Instance),
            "resnet50" => new ResNet50Architecture(backbone, setup, spec, NullLogger<ResNet50Architecture>.Instance),
            "bninception" => new BnInceptionArchitecture(backbone, setup, spec, NullLogger<BnInceptionArchitecture>.Instance),
            _ => throw new ArgumentException(name),
        };
        using (no_grad())
        {
            foreach (var (_, module) in model.named_modules())
            {
                if (module is BatchNorm2d norm)
                {
                    norm.running_mean!.copy_(randn_like(norm.running_mean) * 0.2);
                    norm.running_var!.copy_(rand_like(norm.running_var) + 0.5);
                    norm.weight!.copy_(rand_like(norm.weight) + 0.5);
                    norm.bias!.copy_(randn_like(norm.bias) * 0.1);
                }
            }
        }
        model.eval();
        return model;
    }

    public static InputContract Contract(string name, string suffixes = "") => InputContract.Of(name switch
    {
        "convnet" => typeof(ConvNetArchitecture),
        "resnet18" => typeof(ResNet18Architecture),
        "resnet50" => typeof(ResNet50Architecture),
        _ => typeof(BnInceptionArchitecture),
    }, Spec(name, suffixes));

    public static byte[] Export(Architecture model, OnnxExportRequest request)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Write(model, request, stream);
        return stream.ToArray();
    }

    /// <summary>Runs the model on [batch, C, H, W] values and returns its embeddings and pooled features.</summary>
    public static (float[] Embeddings, float[] Pooled) Run(InferenceSession session, float[] images, long[] shape)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(images, shape);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [OnnxExporter.InputName], [input], [OnnxExporter.EmbeddingsName, OnnxExporter.PooledFeaturesName]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>TorchSharp's eval forward of the same input.</summary>
    public static (float[] Embeddings, float[] Pooled) Forward(Architecture model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = model.Forward(images, warmup: false);
        return (output.Embeddings.data<float>().ToArray(), output.PooledFeatures.data<float>().ToArray());
    }
}
