using NirHost.Abstractions;

namespace NirHost.Export;

/// <summary>
/// What the exporter writes besides the network: the architecture's name and input, the size it was trained at
/// (0 when unknown: the model then takes any height and width), the run's config.json and the checkpoint's name.
/// </summary>
public sealed record OnnxExportRequest(string ArchitectureName, InputContract Input, int InputSize)
{
    /// <summary>ONNX operator set: 11 to 17 (Debian 12's onnx 1.12 checker reads up to 17).</summary>
    public int Opset { get; init; } = OnnxExporter.DefaultOpset;

    public string ConfigJson { get; init; } = "";

    public string Checkpoint { get; init; } = "";
}
