namespace NirHost.Abstractions.Export;

/// <summary>
/// An architecture that <c>nirhost export --onnx</c> can write: it describes its network as <see cref="Architecture.Forward"/>
/// computes it in eval mode, with the exporter's building blocks (<see cref="ExportGraph"/>). Architectures without it
/// are refused by the exporter.
/// </summary>
public interface IExportableArchitecture
{
    /// <summary>
    /// Adds the network to <paramref name="graph"/>, from <see cref="ExportGraph.Input"/> to the embedding, and ends with
    /// <see cref="ExportGraph.SetOutputs"/>. The blocks hold references to the module's tensors; the exporter copies them.
    /// </summary>
    void DescribeGraph(ExportGraph graph);
}
