using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// An architecture declares a valid input, maps images of that input to [B, embed_dim] embeddings, honours _normalize, and
/// trains its head; one that opts into ONNX export (<see cref="IExportableArchitecture"/>) describes the graph its eval forward computes.
/// </summary>
internal static class ArchitectureChecks
{
    public static void Run(CheckList checks, Type type, ComponentAttribute attribute, ConformanceOptions options)
    {
        var setup = ConformanceKit.Setup(options);
        var services = new ConformanceServices(options, setup, type.Assembly);
        var device = options.Device;
        foreach (var normalize in new[] { false, true })
        {
            var fullName = normalize ? attribute.Name + "_normalize" : attribute.Name;
            var spec = new ComponentSpec(fullName, attribute.Name, null,
                normalize ? new HashSet<string>(["normalize"], StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal));
            InputContract? declared = null;
            if (!checks.Run($"{fullName}: declares its input", () =>
                {
                    declared = InputContract.Of(type, spec);
                    return $"{declared.Channels} channels, {(declared.Size > 0 ? $"{declared.Size} px" : "any size")}";
                }))
            {
                continue;
            }
            // The input the datasets would give it: its declared channels, and size when it needs one.
            var (channels, size) = (declared!.Channels, declared.Size > 0 ? declared.Size : options.ImageSize);
            Architecture? model = null;
            if (!checks.Run($"{fullName}: is built and moves to {device}", () =>
                {
                    random.manual_seed(0);
                    model = (Architecture)services.Create(type, spec);
                    model.to(device);
                    return $"pooled dim {model.PooledDim}";
                }))
            {
                continue;
            }
            using (model)
            {
                model!.train();
                using var scope = NewDisposeScope();
                ArchitectureOutput? output = null;
                var input = randn(2, channels, size, size, device: device);
                if (!checks.Run($"{fullName}: embeds a [2, {channels}, {size}, {size}] batch as [2, {setup.EmbedDim}]", () =>
                    {
                        output = model.Forward(input, warmup: false);
                        CheckFailure.Unless(output.Embeddings.shape.SequenceEqual([2L, setup.EmbedDim]),
                            $"embeddings of shape [{string.Join(", ", output.Embeddings.shape)}]");
                        CheckFailure.Unless(output.PooledFeatures.shape.SequenceEqual([2L, model.PooledDim]),
                            $"pooled features of shape [{string.Join(", ", output.PooledFeatures.shape)}], PooledDim is {model.PooledDim}");
                        CheckFailure.Unless(output.Embeddings.isfinite().all().item<bool>(), "embeddings hold NaN or infinity");
                        return "";
                    }))
                {
                    continue;
                }
                if (model is IExportableArchitecture exportable)
                {
                    checks.Run($"{fullName}: its export graph computes its eval forward", () => CheckExportGraph(model, exportable, input));
                }
                if (normalize)
                {
                    checks.Run($"{fullName}: embeddings have unit norm", () =>
                    {
                        var norms = output!.Embeddings.detach().norm(1).cpu().to(float64).data<double>().ToArray();
                        CheckFailure.Unless(norms.All(n => Math.Abs(n - 1) < 1e-4), $"norms {string.Join(", ", norms.Select(n => n.ToString("G5")))}");
                        return "";
                    });
                }
                else
                {
                    checks.Run($"{fullName}: gradients reach the embedding head", () =>
                    {
                        output!.Embeddings.square().sum().backward();
                        var grads = model.EmbeddingHead.parameters().Select(p => p.grad).ToList();
                        CheckFailure.Unless(grads.Count > 0, "the embedding head has no parameters");
                        CheckFailure.Unless(grads.All(g => g is not null && g.abs().sum().item<float>() > 0), "a head parameter got no gradient");
                        return "";
                    });
                }
            }
        }
    }

    /// <summary>
    /// The description run with TorchSharp's operators against <see cref="Architecture.Forward"/> in eval mode: within 1e-4
    /// of the outputs' largest magnitude (the same arithmetic in another order, not the same numbers).
    /// </summary>
    private static string CheckExportGraph(Architecture model, IExportableArchitecture exportable, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var wasTraining = model.training;
        model.eval();
        try
        {
            var graph = new ExportGraph();
            try
            {
                exportable.DescribeGraph(graph);
            }
            catch (NotSupportedException e)
            {
                throw new CheckFailure($"DescribeGraph: {e.Message}");
            }
            var expected = model.Forward(input, warmup: false);
            var (embeddings, pooled) = ExportGraphInterpreter.Run(graph, input);
            foreach (var (what, want, got) in new[] { ("embeddings", expected.Embeddings, embeddings), ("pooled features", expected.PooledFeatures, pooled) })
            {
                CheckFailure.Unless(want.shape.SequenceEqual(got.shape),
                    $"the graph's {what} have shape [{string.Join(", ", got.shape)}], the forward's [{string.Join(", ", want.shape)}]");
                var scale = Math.Max(want.abs().max().item<float>(), 1e-30f);
                var error = (want - got).abs().max().item<float>();
                CheckFailure.Unless(error <= 1e-4 * scale, $"the graph's {what} differ from the forward's by up to {error:G3} (scale {scale:G3})");
            }
            return $"{graph.Ops.Count} blocks";
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
