using Microsoft.ML.OnnxRuntime;
using NirHost.Export;
using NirHost.Imaging;
using NirHost.Plugins.Datasets;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary>
/// Every built-in architecture and suffix, exported and run by ONNX Runtime, against TorchSharp's eval forward: within
/// 1e-5 absolute for L2-normalised embeddings, otherwise within 1e-4 of the output's largest magnitude. Inputs are 64 px
/// (the graphs take any size; 64 is the smallest that keeps BN-Inception's five halvings whole) to keep the tests fast.
/// </summary>
public sealed class OnnxExportParityTests
{
    private const int Size = 64;

    public static TheoryData<string, string> Variants()
    {
        var data = new TheoryData<string, string>();
        foreach (var arch in new[] { "convnet", "resnet18", "resnet50", "bninception" })
        {
            foreach (var suffixes in new[] { "", "frozen", "normalize", "double", "frozen_normalize_double" })
            {
                data.Add(arch, suffixes);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Exported_model_matches_the_eval_forward_on_random_inputs(string arch, string suffixes)
    {
        random.manual_seed(17);
        using var model = OnnxModels.Create(arch, suffixes);
        var contract = OnnxModels.Contract(arch, suffixes);
        using var session = new InferenceSession(OnnxModels.Export(model, new OnnxExportRequest(OnnxModels.Spec(arch, suffixes).FullName, contract, 0)));
        // Two batch sizes through one session: the batch axis is dynamic.
        foreach (var batch in new[] { 3, 1 })
        {
            using var images = randn(batch, contract.Channels, Size, Size);
            AssertClose(OnnxModels.Forward(model, images), OnnxModels.Run(session, images.data<float>().ToArray(), images.shape),
                suffixes.Contains("normalize", StringComparison.Ordinal), $"{arch}_{suffixes} batch {batch}");
        }
    }

    [Theory]
    [InlineData("convnet", "normalize")]
    [InlineData("resnet18", "")]
    [InlineData("bninception", "double")]
    public void Exported_model_matches_the_eval_forward_on_real_images(string arch, string suffixes)
    {
        random.manual_seed(18);
        using var model = OnnxModels.Create(arch, suffixes);
        var contract = OnnxModels.Contract(arch, suffixes);
        // The evaluation transform (resize, centre crop) and the architecture's normalisation and colour order, as training feeds it.
        var pipeline = new ImagePipeline(new ImageTransform(Augmentation.Base, Size), contract.ToImageInput());
        var files = new[] { "rgb.jpg", "wide.jpg", "gray.jpg" }.Select(f => Path.Combine(AppContext.BaseDirectory, "fixtures", "transforms", f)).ToArray();
        var values = new float[files.Length * pipeline.ValuesPerImage];
        for (var i = 0; i < files.Length; i++)
        {
            pipeline.Load(files[i], null, values.AsSpan(i * pipeline.ValuesPerImage, pipeline.ValuesPerImage));
        }
        long[] shape = [files.Length, contract.Channels, Size, Size];
        using var images = tensor(values, shape);
        using var session = new InferenceSession(OnnxModels.Export(model, new OnnxExportRequest(OnnxModels.Spec(arch, suffixes).FullName, contract, Size)));
        AssertClose(OnnxModels.Forward(model, images), OnnxModels.Run(session, values, shape), suffixes.Contains("normalize", StringComparison.Ordinal),
            $"{arch}_{suffixes} on images");
    }

    private static void AssertClose((float[] Embeddings, float[] Pooled) expected, (float[] Embeddings, float[] Pooled) actual, bool normalized, string what)
    {
        Assert.Equal(expected.Embeddings.Length, actual.Embeddings.Length);
        Assert.Equal(expected.Pooled.Length, actual.Pooled.Length);
        var embeddingTolerance = normalized ? 1e-5 : 1e-4 * Scale(expected.Embeddings);
        var embeddingError = MaxError(expected.Embeddings, actual.Embeddings);
        Assert.True(embeddingError <= embeddingTolerance, $"{what}: embeddings differ by up to {embeddingError:G4} (allowed {embeddingTolerance:G4}).");
        var pooledError = MaxError(expected.Pooled, actual.Pooled);
        Assert.True(pooledError <= 1e-4 * Scale(expected.Pooled), $"{what}: pooled features differ by up to {pooledError:G4} (scale {Scale(expected.Pooled):G4}).");
    }

    private static double Scale(float[] values) => Math.Max(values.Max(v => Math.Abs((double)v)), 1e-30);

    private static double MaxError(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
}
