using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Abstractions.Export;

/// <summary>
/// What an <see cref="IExportableArchitecture"/> fills in: the eval-mode network as a list of <see cref="GraphOp"/>s from
/// <see cref="Input"/> (images, [batch, channels, height, width]) to the embedding. Each method appends one block and
/// returns its output; the module overloads read a TorchSharp layer's weights and settings.
/// </summary>
public sealed class ExportGraph
{
    private readonly List<GraphOp> _ops = [];
    private int _next;

    public ExportGraph() => Input = new GraphValue("images");

    public GraphValue Input { get; }

    public IReadOnlyList<GraphOp> Ops => _ops;

    /// <summary>The embedding, [batch, embedding dim]; null until <see cref="SetOutputs"/>.</summary>
    public GraphValue? Embeddings { get; private set; }

    /// <summary>The pooled features the head reads, [batch, pooled dim]; null until <see cref="SetOutputs"/>.</summary>
    public GraphValue? PooledFeatures { get; private set; }

    public void SetOutputs(GraphValue embeddings, GraphValue pooledFeatures)
    {
        Embeddings = embeddings;
        PooledFeatures = pooledFeatures;
    }

    public GraphValue Conv(GraphValue input, Conv2d conv)
    {
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding is null)
        {
            throw new NotSupportedException($"Export supports zero-padded convolutions with explicit padding; this one pads with {conv.padding_mode}{(conv.padding is null ? $" ({conv.padding_type})" : "")}.");
        }
        return Append(o => new ConvOp(input, o, conv.weight!, conv.bias, Pair(conv.stride), Pair(conv.padding), Pair(conv.dilation), conv.groups));
    }

    public GraphValue BatchNorm(GraphValue input, BatchNorm2d norm)
    {
        if (norm.running_mean is null || norm.running_var is null || norm.weight is null || norm.bias is null)
        {
            throw new NotSupportedException("Export supports affine BatchNorm layers that track running statistics.");
        }
        return Append(o => new BatchNormOp(input, o, norm.weight, norm.bias, norm.running_mean, norm.running_var, norm.eps));
    }

    public GraphValue Relu(GraphValue input) => Append(o => new ReluOp(input, o));

    public GraphValue MaxPool(GraphValue input, long kernel, long stride, long padding = 0, bool ceilMode = false) =>
        Append(o => new MaxPoolOp(input, o, [kernel, kernel], [stride, stride], [padding, padding], ceilMode));

    public GraphValue MaxPool(GraphValue input, MaxPool2d pool)
    {
        if (pool.dilation is { } dilation && dilation.Any(d => d != 1))
        {
            throw new NotSupportedException("Export supports max pooling without dilation.");
        }
        var kernel = Pair(pool.kernel_size);
        return Append(o => new MaxPoolOp(input, o, kernel, pool.stride is null ? kernel : Pair(pool.stride), pool.padding is null ? [0, 0] : Pair(pool.padding),
            pool.ceil_mode));
    }

    public GraphValue AvgPool(GraphValue input, long kernel, long stride, long padding, bool ceilMode, bool countIncludePad) =>
        Append(o => new AvgPoolOp(input, o, [kernel, kernel], [stride, stride], [padding, padding], ceilMode, countIncludePad));

    /// <summary>Mean over height and width: [batch, channels, h, w] to [batch, channels].</summary>
    public GraphValue GlobalAveragePool(GraphValue input) => Append(o => new GlobalPoolOp(input, o, GlobalPoolKind.Average));

    /// <summary>Maximum over height and width: [batch, channels, h, w] to [batch, channels].</summary>
    public GraphValue GlobalMaxPool(GraphValue input) => Append(o => new GlobalPoolOp(input, o, GlobalPoolKind.Max));

    public GraphValue Add(GraphValue left, GraphValue right) => Append(o => new AddOp(left, right, o));

    /// <summary>Concatenates along the channel axis.</summary>
    public GraphValue Concat(IReadOnlyList<GraphValue> parts) => Append(o => new ConcatOp([.. parts], o));

    public GraphValue Linear(GraphValue input, Linear linear) => Append(o => new LinearOp(input, o, linear.weight!, linear.bias));

    /// <summary><c>F.normalize(x, dim=-1)</c>: row-wise L2 normalisation with PyTorch's eps 1e-12.</summary>
    public GraphValue L2Normalize(GraphValue input, double eps = 1e-12) => Append(o => new L2NormalizeOp(input, o, eps));

    /// <summary>
    /// One TorchSharp layer of a common kind (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear, or a Sequential of them),
    /// so that plain stacks are described in one call.
    /// </summary>
    public GraphValue Layer(GraphValue input, nn.Module module) => module switch
    {
        Sequential sequence => sequence.children().Aggregate(input, Layer),
        Conv2d conv => Conv(input, conv),
        BatchNorm2d norm => BatchNorm(input, norm),
        ReLU => Relu(input),
        MaxPool2d pool => MaxPool(input, pool),
        Linear linear => Linear(input, linear),
        _ => throw new NotSupportedException(
            $"ExportGraph.Layer does not know {module.GetType().Name} ('{module.GetName()}'); describe it with the graph's building blocks."),
    };

    private GraphValue Append(Func<GraphValue, GraphOp> create)
    {
        var output = new GraphValue($"t{_next++}");
        _ops.Add(create(output));
        return output;
    }

    private static long[] Pair(long[] values) => values.Length switch
    {
        1 => [values[0], values[0]],
        2 => values,
        _ => throw new NotSupportedException($"Export supports 2-d layers; got parameters [{string.Join(", ", values)}]."),
    };
}
