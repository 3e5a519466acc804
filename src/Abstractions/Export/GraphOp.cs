using static TorchSharp.torch;

namespace NirHost.Abstractions.Export;

/// <summary>A value flowing through an <see cref="ExportGraph"/>: [batch, channels, height, width] or [batch, features].</summary>
public sealed record GraphValue(string Name);

/// <summary>
/// One building block of an exported graph: plain data (weights are the module's tensors, shared, not copied) that the
/// exporter turns into format nodes. Convolutions and pooling are 2-d, with square or [height, width] parameters.
/// </summary>
public abstract record GraphOp(IReadOnlyList<GraphValue> Inputs, GraphValue Output);

/// <summary>2-d convolution: weight [out, in / groups, kh, kw], optional bias [out].</summary>
public sealed record ConvOp(GraphValue Input, GraphValue Output, Tensor Weight, Tensor? Bias, long[] Stride, long[] Padding, long[] Dilation, long Groups)
    : GraphOp([Input], Output);

/// <summary>BatchNorm in eval mode: <c>(x - mean) / sqrt(variance + eps) * scale + bias</c> per channel.</summary>
public sealed record BatchNormOp(GraphValue Input, GraphValue Output, Tensor Scale, Tensor Bias, Tensor Mean, Tensor Variance, double Eps)
    : GraphOp([Input], Output);

public sealed record ReluOp(GraphValue Input, GraphValue Output) : GraphOp([Input], Output);

/// <summary>Max pooling with PyTorch's semantics (symmetric padding, <c>ceil_mode</c>).</summary>
public sealed record MaxPoolOp(GraphValue Input, GraphValue Output, long[] Kernel, long[] Stride, long[] Padding, bool CeilMode)
    : GraphOp([Input], Output);

/// <summary>Average pooling with PyTorch's semantics (<c>count_include_pad</c>, <c>ceil_mode</c>).</summary>
public sealed record AvgPoolOp(GraphValue Input, GraphValue Output, long[] Kernel, long[] Stride, long[] Padding, bool CeilMode, bool CountIncludePad)
    : GraphOp([Input], Output);

public enum GlobalPoolKind
{
    Average,
    Max,
}

/// <summary>Pools [batch, channels, h, w] over h and w to [batch, channels].</summary>
public sealed record GlobalPoolOp(GraphValue Input, GraphValue Output, GlobalPoolKind Kind) : GraphOp([Input], Output);

/// <summary>Elementwise sum of two values of one shape.</summary>
public sealed record AddOp(GraphValue Left, GraphValue Right, GraphValue Output) : GraphOp([Left, Right], Output);

/// <summary>Concatenation along the channel axis (1).</summary>
public sealed record ConcatOp(IReadOnlyList<GraphValue> Parts, GraphValue Output) : GraphOp(Parts, Output);

/// <summary>[batch, in] to [batch, out]: <c>x Weightᵀ + Bias</c>, weight [out, in].</summary>
public sealed record LinearOp(GraphValue Input, GraphValue Output, Tensor Weight, Tensor? Bias) : GraphOp([Input], Output);

/// <summary>Row-wise L2 normalisation of [batch, features]: <c>x / max(‖x‖, Eps)</c> (PyTorch's <c>F.normalize</c>).</summary>
public sealed record L2NormalizeOp(GraphValue Input, GraphValue Output, double Eps) : GraphOp([Input], Output);
