using NirHost.Abstractions.Export;
using Onnx;
using static NirHost.Export.OnnxExporter;

namespace NirHost.Export;

/// <summary>Turns the exporter-neutral blocks into ONNX nodes and initializers, one block at a time.</summary>
internal sealed class GraphWriter(string name)
{
    public GraphProto Graph { get; } = new() { Name = name };

    public void Add(GraphOp op)
    {
        var input = op.Inputs[0].Name;
        var output = op.Output.Name;
        switch (op)
        {
            case ConvOp conv:
            {
                List<string> inputs = [input, Weight(output + ".weight", conv.Weight)];
                if (conv.Bias is { } bias)
                {
                    inputs.Add(Weight(output + ".bias", bias));
                }
                Graph.Node.Add(Node("Conv", inputs, output,
                    Ints("kernel_shape", conv.Weight.shape[2..]), Ints("strides", conv.Stride), Ints("dilations", conv.Dilation),
                    Ints("pads", Pads(conv.Padding)), Int("group", conv.Groups)));
                break;
            }
            case BatchNormOp norm:
                Graph.Node.Add(Node("BatchNormalization",
                    [input, Weight(output + ".scale", norm.Scale), Weight(output + ".bias", norm.Bias), Weight(output + ".mean", norm.Mean), Weight(output + ".var", norm.Variance)],
                    output, Float("epsilon", (float)norm.Eps)));
                break;
            case ReluOp:
                Graph.Node.Add(Node("Relu", [input], output));
                break;
            case MaxPoolOp pool:
                Graph.Node.Add(Node("MaxPool", [input], output,
                    Ints("kernel_shape", pool.Kernel), Ints("strides", pool.Stride), Ints("pads", Pads(pool.Padding)), Int("ceil_mode", pool.CeilMode ? 1 : 0)));
                break;
            case AvgPoolOp pool:
                Graph.Node.Add(Node("AveragePool", [input], output,
                    Ints("kernel_shape", pool.Kernel), Ints("strides", pool.Stride), Ints("pads", Pads(pool.Padding)), Int("ceil_mode", pool.CeilMode ? 1 : 0),
                    Int("count_include_pad", pool.CountIncludePad ? 1 : 0)));
                break;
            case GlobalPoolOp pool:
                Graph.Node.Add(Node(pool.Kind == GlobalPoolKind.Average ? "GlobalAveragePool" : "GlobalMaxPool", [input], output + ".map"));
                Graph.Node.Add(Node("Flatten", [output + ".map"], output, Int("axis", 1)));
                break;
            case AddOp add:
                Graph.Node.Add(Node("Add", [add.Left.Name, add.Right.Name], output));
                break;
            case ConcatOp concat:
                Graph.Node.Add(Node("Concat", concat.Parts.Select(p => p.Name), output, Int("axis", 1)));
                break;
            case LinearOp linear:
            {
                List<string> inputs = [input, Weight(output + ".weight", linear.Weight)];
                if (linear.Bias is { } bias)
                {
                    inputs.Add(Weight(output + ".bias", bias));
                }
                Graph.Node.Add(Node("Gemm", inputs, output, Int("transB", 1)));
                break;
            }
            case L2NormalizeOp normalize:
                // F.normalize: x / max(||x||, eps), which keeps a zero row zero where LpNormalization would divide by zero.
                Graph.Node.Add(Node("ReduceL2", [input], output + ".norm", Ints("axes", [1]), Int("keepdims", 1)));
                Graph.Initializer.Add(Initializer(output + ".eps", [(float)normalize.Eps]));
                Graph.Node.Add(Node("Max", [output + ".norm", output + ".eps"], output + ".clamped"));
                Graph.Node.Add(Node("Div", [input, output + ".clamped"], output));
                break;
            default:
                throw new ArchitectureNotExportableException($"The exporter has no ONNX form for {op.GetType().Name}.");
        }
    }

    private string Weight(string name, TorchSharp.torch.Tensor tensor)
    {
        Graph.Initializer.Add(Initializer(name, tensor));
        return name;
    }

    /// <summary>PyTorch pads both sides alike; ONNX lists begins, then ends.</summary>
    private static long[] Pads(long[] padding) => [.. padding, .. padding];
}
