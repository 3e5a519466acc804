using System.Globalization;
using MemoryMarshal = System.Runtime.InteropServices.MemoryMarshal;
using System.Text.Json;
using Google.Protobuf;
using NirHost.Abstractions;
using NirHost.Abstractions.Export;
using NirHost.Inference;
using Onnx;
using static TorchSharp.torch;

namespace NirHost.Export;

/// <summary>
/// Writes an architecture's eval-mode network as an ONNX model: input <c>images</c> [batch, C, H, W] float32 with a
/// symbolic batch axis, outputs <c>embeddings</c> [batch, D] and <c>pooled_features</c> [batch, P], and the input
/// contract and run configuration in <c>metadata_props</c> (<see cref="OnnxMetadataKeys"/>).
/// </summary>
/// <remarks>
/// BatchNorm stays a node of its own, with the trained statistics as they are: the file holds the checkpoint's numbers
/// exactly, and ONNX Runtime folds BatchNorm into the convolution itself when it optimises the graph.
/// </remarks>
public static class OnnxExporter
{
    public const int DefaultOpset = 17;

    public const int MinOpset = 11;

    /// <summary>ReduceL2 takes its axes as an input from opset 18 on; this exporter writes the attribute form.</summary>
    public const int MaxOpset = 17;

    public const string InputName = OnnxModelContract.InputName;

    public const string EmbeddingsName = OnnxModelContract.EmbeddingsName;

    public const string PooledFeaturesName = OnnxModelContract.PooledFeaturesName;

    /// <summary>IR version 8 goes with opsets up to 17 (onnx 1.12's newest).</summary>
    private const long IrVersion = 8;

    /// <summary>The model in eval mode, as <paramref name="request"/> describes it, written to <paramref name="output"/>.</summary>
    public static void Write(Architecture model, OnnxExportRequest request, Stream output) => Build(model, request).WriteTo(output);

    /// <summary>The model as the bytes of an .onnx file, so that a refused export never opens the target.</summary>
    public static byte[] ToBytes(Architecture model, OnnxExportRequest request) => Build(model, request).ToByteArray();

    internal static ModelProto Build(Architecture model, OnnxExportRequest request)
    {
        if (request.Opset is < MinOpset or > MaxOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Opset, $"--opset {request.Opset}: the exporter writes opsets {MinOpset} to {MaxOpset}.");
        }
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX stores tensors little-endian; this exporter copies memory as it is.");
        }
        if (model is not IExportableArchitecture exportable)
        {
            throw new ArchitectureNotExportableException(
                $"--arch {request.ArchitectureName} ({model.GetType().FullName}) cannot be exported: it does not implement " +
                $"{typeof(IExportableArchitecture).FullName}, which describes its graph with the exporter's building blocks (see the nir-architecture template).");
        }
        var wasTraining = model.training;
        model.eval();
        var description = new ExportGraph();
        try
        {
            exportable.DescribeGraph(description);
        }
        catch (NotSupportedException e)
        {
            throw new ArchitectureNotExportableException($"--arch {request.ArchitectureName} cannot be exported: {e.Message}", e);
        }
        finally
        {
            model.train(wasTraining);
        }
        if (description.Embeddings is null || description.PooledFeatures is null)
        {
            throw new ArchitectureNotExportableException(
                $"--arch {request.ArchitectureName}: its DescribeGraph did not call SetOutputs(embeddings, pooled features).");
        }

        var writer = new GraphWriter(model.GetType().Name);
        foreach (var op in description.Ops)
        {
            writer.Add(op);
        }
        var graph = writer.Graph;
        graph.Node.Add(Node("Identity", [description.Embeddings.Name], EmbeddingsName));
        graph.Node.Add(Node("Identity", [description.PooledFeatures.Name], PooledFeaturesName));

        var (embeddingDim, pooledDim) = OutputWidths(description);
        var normalized = description.Ops.LastOrDefault(op => op.Output == description.Embeddings) is L2NormalizeOp;
        var size = request.Input.Size > 0 ? request.Input.Size : request.InputSize;
        graph.Input.Add(Value(InputName, Dim("batch"), Dim(request.Input.Channels), size > 0 ? Dim(size) : Dim("height"), size > 0 ? Dim(size) : Dim("width")));
        graph.Output.Add(Value(EmbeddingsName, Dim("batch"), Dim(embeddingDim)));
        graph.Output.Add(Value(PooledFeaturesName, Dim("batch"), Dim(pooledDim)));

        var modelProto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "nirhost",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"NirHost {request.ArchitectureName}: images [batch, {request.Input.Channels}, H, W] to {(normalized ? "L2-normalised " : "")}embeddings. See the nirhost.* metadata for the input contract.",
            Graph = graph,
        };
        modelProto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = request.Opset });
        foreach (var (key, value) in Metadata(request, size, embeddingDim, pooledDim, normalized))
        {
            modelProto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        return modelProto;
    }

    private static IEnumerable<(string Key, string Value)> Metadata(OnnxExportRequest request, int size, long embeddingDim, long pooledDim, bool normalized)
    {
        var input = request.Input;
        string List(IEnumerable<float> values) => JsonSerializer.Serialize(values.Select(v => (double)v).ToArray());
        yield return (OnnxMetadataKeys.FormatVersion, "1");
        yield return (OnnxMetadataKeys.Architecture, request.ArchitectureName);
        yield return (OnnxMetadataKeys.InputSize, size.ToString(CultureInfo.InvariantCulture));
        yield return (OnnxMetadataKeys.Channels, input.Channels.ToString(CultureInfo.InvariantCulture));
        yield return (OnnxMetadataKeys.Mean, List(input.Mean));
        yield return (OnnxMetadataKeys.Std, List(input.Std));
        yield return (OnnxMetadataKeys.ColourOrder, input.ColourOrder == ColourOrder.Bgr ? "bgr" : "rgb");
        yield return (OnnxMetadataKeys.ValueScale, input.ValueScale.ToString("R", CultureInfo.InvariantCulture));
        yield return (OnnxMetadataKeys.Preprocessing,
            "An 8-bit pixel p of channel c becomes (p / 255 * value_scale - mean[c]) / std[c], with mean and std listed in RGB order; " +
            "the channels are then put in colour_order. Input images [batch, channels, height, width] float32.");
        yield return (OnnxMetadataKeys.EmbeddingDim, embeddingDim.ToString(CultureInfo.InvariantCulture));
        yield return (OnnxMetadataKeys.PooledDim, pooledDim.ToString(CultureInfo.InvariantCulture));
        yield return (OnnxMetadataKeys.Normalized, normalized ? "true" : "false");
        if (request.ConfigJson.Length > 0)
        {
            yield return (OnnxMetadataKeys.Config, request.ConfigJson);
        }
        if (request.Checkpoint.Length > 0)
        {
            yield return (OnnxMetadataKeys.Checkpoint, request.Checkpoint);
        }
    }

    /// <summary>The widths of the outputs, read from the last linear layer before each (pooling keeps the channel count).</summary>
    private static (long Embedding, long Pooled) OutputWidths(ExportGraph graph)
    {
        var producers = graph.Ops.ToDictionary(op => op.Output);
        long Width(GraphValue value)
        {
            var op = producers.TryGetValue(value, out var found)
                ? found
                : throw new ArchitectureNotExportableException($"The graph's output {value.Name} is not produced by any block.");
            return op switch
            {
                LinearOp linear => linear.Weight.shape[0],
                ConvOp conv => conv.Weight.shape[0],
                BatchNormOp norm => norm.Scale.shape[0],
                ConcatOp concat => concat.Parts.Sum(Width),
                AddOp add => Width(add.Left),
                _ => Width(op.Inputs[0]),
            };
        }
        return (Width(graph.Embeddings!), Width(graph.PooledFeatures!));
    }

    internal static NodeProto Node(string opType, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{output}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Dim(string name) => new() { DimParam = name };

    private static ValueInfoProto Value(string name, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>A float32 initializer with a copy of the tensor's values.</summary>
    internal static TensorProto Initializer(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var values = tensor.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange(tensor.shape);
        return proto;
    }

    internal static TensorProto Initializer(string name, float[] values, params long[] dims)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange(dims);
        return proto;
    }

    internal static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    internal static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    internal static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
