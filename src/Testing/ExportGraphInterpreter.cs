using NirHost.Abstractions.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// Runs an <see cref="ExportGraph"/> with TorchSharp's own operators, so that the kit can check an architecture's graph
/// description against its eval forward without an ONNX runtime: the exporter maps each block to ONNX with the same meaning.
/// </summary>
internal static class ExportGraphInterpreter
{
    /// <returns>The embeddings and pooled features the description computes for <paramref name="images"/>.</returns>
    public static (Tensor Embeddings, Tensor Pooled) Run(ExportGraph graph, Tensor images)
    {
        var values = new Dictionary<GraphValue, Tensor> { [graph.Input] = images };
        Tensor Get(GraphValue value) => values.TryGetValue(value, out var tensor)
            ? tensor
            : throw new CheckFailure($"block input {value.Name} is used before any block produces it");
        foreach (var op in graph.Ops)
        {
            var x = Get(op.Inputs[0]);
            values[op.Output] = op switch
            {
                ConvOp conv => nn.functional.conv2d(x, conv.Weight, conv.Bias, conv.Stride, conv.Padding, conv.Dilation, conv.Groups),
                BatchNormOp norm => nn.functional.batch_norm(x, norm.Mean, norm.Variance, norm.Scale, norm.Bias, training: false, eps: norm.Eps),
                ReluOp => nn.functional.relu(x),
                MaxPoolOp pool => nn.functional.max_pool2d(x, pool.Kernel, pool.Stride, pool.Padding, ceil_mode: pool.CeilMode),
                AvgPoolOp pool => nn.functional.avg_pool2d(x, pool.Kernel, pool.Stride, pool.Padding, pool.CeilMode, pool.CountIncludePad),
                GlobalPoolOp { Kind: GlobalPoolKind.Average } => x.mean([2, 3]),
                GlobalPoolOp => x.amax([2, 3]),
                AddOp add => x.add(Get(add.Right)),
                ConcatOp concat => cat(concat.Parts.Select(Get).ToList(), 1),
                LinearOp linear => nn.functional.linear(x, linear.Weight, linear.Bias),
                L2NormalizeOp normalize => nn.functional.normalize(x, dim: -1, eps: normalize.Eps),
                _ => throw new CheckFailure($"{op.GetType().Name} is not a block the exporter knows"),
            };
        }
        if (graph.Embeddings is null || graph.PooledFeatures is null)
        {
            throw new CheckFailure("DescribeGraph did not call SetOutputs(embeddings, pooled features)");
        }
        return (Get(graph.Embeddings), Get(graph.PooledFeatures));
    }
}
