using System.Text.Json.Nodes;
using NirHost.Inference;
using NirHost.Retrieval;

namespace NirHost.Samples.RetrievalService;

/// <summary>
/// The exported model and the index, loaded once at start-up and checked against each other; answers one query image at a
/// time (requests run in parallel: ONNX Runtime sessions and loaded indexes are searched from several threads).
/// </summary>
public sealed class RetrievalEngine : IDisposable
{
    private readonly OnnxEmbedder _embedder;
    private readonly SearchIndex _index;

    public RetrievalEngine(RetrievalServiceOptions options)
    {
        Options = options;
        if (string.IsNullOrWhiteSpace(options.Model) || string.IsNullOrWhiteSpace(options.Index))
        {
            throw new InvalidOperationException(
                $"Set {RetrievalServiceOptions.Section}:Model (an .onnx file from nirhost export) and {RetrievalServiceOptions.Section}:Index " +
                "(from nirhost index build): --model FILE --index FILE, appsettings.json, or RetrievalService__Model / RetrievalService__Index.");
        }
        _embedder = new OnnxEmbedder(options.Model, options.Threads);
        try
        {
            var index = Path.GetFullPath(options.Index);
            if (!File.Exists(index))
            {
                throw new FileNotFoundException($"{index}: no such index (build one with nirhost index build).", index);
            }
            _index = SearchIndex.Load(index, options.Threads);
            if (_index.Dimension != _embedder.Dimension)
            {
                throw new InvalidDataException(
                    $"{index} holds {_index.Dimension}-d embeddings, but {_embedder.ModelPath} makes {_embedder.Dimension}-d ones: index embeddings of this model.");
            }
        }
        catch
        {
            _embedder.Dispose();
            throw;
        }
    }

    public RetrievalServiceOptions Options { get; }

    public JsonObject Describe() => new()
    {
        ["status"] = "ok",
        ["model"] = _embedder.ModelPath,
        ["architecture"] = _embedder.Contract.Architecture,
        ["embedding_dim"] = _embedder.Dimension,
        ["input_size"] = _embedder.ImageSize,
        ["index_kind"] = _index.Kind,
        ["index_metric"] = _index.Metric.Name(),
        ["indexed"] = _index.Count,
    };

    /// <summary>The <paramref name="k"/> nearest indexed images of an encoded query image (an unreadable one throws <see cref="InvalidDataException"/>).</summary>
    public JsonObject Search(byte[] image, string name, int k)
    {
        var embedding = _embedder.EmbedEncoded(image, name);
        var matches = _index.Search(embedding, _embedder.Dimension, k)[0];
        return new JsonObject { ["query"] = name, ["matches"] = SearchResultsJson.Matches(matches) };
    }

    public void Dispose()
    {
        _index.Dispose();
        _embedder.Dispose();
    }
}
