namespace NirHost.Samples.RetrievalService;

/// <summary>
/// The service's settings, section <c>RetrievalService</c>: from appsettings.json, environment variables
/// (<c>RetrievalService__Model=...</c>) or the command line (<c>--RetrievalService:Model=...</c>, or the short
/// <c>--model</c>, <c>--index</c>).
/// </summary>
public sealed class RetrievalServiceOptions
{
    public const string Section = "RetrievalService";

    /// <summary>The .onnx model written by <c>nirhost export RUN_FOLDER --onnx FILE</c>. Required.</summary>
    public string Model { get; set; } = "";

    /// <summary>The index written by <c>nirhost index build</c> over embeddings of the same model. Required.</summary>
    public string Index { get; set; } = "";

    /// <summary>ONNX Runtime's and the index's threads; 0: their defaults (every core).</summary>
    public int Threads { get; set; }

    /// <summary>Matches a query gets when <c>k</c> is not given.</summary>
    public int DefaultK { get; set; } = 5;

    /// <summary>The largest <c>k</c> a query may ask for.</summary>
    public int MaxK { get; set; } = 100;
}
