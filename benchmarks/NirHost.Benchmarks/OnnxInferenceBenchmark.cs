using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using NirHost.Abstractions;
using NirHost.Export;
using NirHost.Plugins.Architectures;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// Inference of resnet50_frozen_normalize (the original's default, 128-d) on CPU at 224 px: TorchSharp's eval forward
/// against ONNX Runtime running the exported model (default session options: all graph optimisations, which fold BatchNorm
/// into the convolutions), both on the same number of threads, batches of 1 and 32. The inputs and the weights are the same.
/// </summary>
[MemoryDiagnoser]
public class OnnxInferenceBenchmark
{
    private const int Size = 224;

    [Params(1, 32)]
    public int Batch { get; set; }

    /// <summary>Threads for both runtimes: the machine's cores.</summary>
    public static int Threads => Environment.ProcessorCount;

    private ResNet50Architecture? _model;
    private InferenceSession? _session;
    private Tensor? _images;
    private float[] _values = [];
    private OrtValue? _input;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        random.manual_seed(0);
        var setup = new TrainingSetup
        {
            EmbedDim = 128, NumClasses = 100, LearningRate = 1e-5, WeightDecay = 0, BatchSize = Batch, SamplesPerClass = 2, Seed = 0, Device = CPU,
        };
        var spec = new ComponentSpec("resnet50_frozen_normalize", "resnet50", null, new HashSet<string>(["frozen", "normalize"], StringComparer.Ordinal));
        _model = new ResNet50Architecture(new BackboneOptions { NotPretrained = true }, setup, spec, NullLogger<ResNet50Architecture>.Instance);
        _model.eval();
        var bytes = OnnxExporter.ToBytes(_model, new OnnxExportRequest(spec.FullName, InputContract.ImageNet, Size));
        using var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(bytes, options);
        _images = randn(Batch, 3, Size, Size);
        _values = _images.data<float>().ToArray();
        _input = OrtValue.CreateTensorValueFromMemory(_values, [Batch, 3, Size, Size]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input?.Dispose();
        _images?.Dispose();
        _session?.Dispose();
        _model?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "TorchSharp eval forward")]
    public float TorchSharp()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _model!.Forward(_images!, warmup: false).Embeddings[0, 0].item<float>();
    }

    [Benchmark(Description = "ONNX Runtime")]
    public float OnnxRuntime()
    {
        using var options = new RunOptions();
        using var outputs = _session!.Run(options, [OnnxExporter.InputName], [_input!], [OnnxExporter.EmbeddingsName]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
