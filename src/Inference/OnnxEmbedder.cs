using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NirHost.Imaging;
using NirHost.Retrieval;

namespace NirHost.Inference;

/// <summary>
/// A model exported by <c>nirhost export --onnx</c>, run by ONNX Runtime on the CPU: images are prepared exactly as the
/// training run's evaluation prepared them (the same <see cref="ImagePipeline"/>: shorter side resized to
/// <c>input_size * 256 / 224</c>, centre crop, normalised as the model's metadata says), then embedded batch by batch.
/// Thread-safe: ONNX Runtime runs one session from several threads.
/// </summary>
public sealed class OnnxEmbedder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly ImagePipeline _pipeline;
    private readonly int _decodeThreads;

    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads and the image decoding threads; 0: ONNX Runtime's default and every core.</param>
    /// <param name="inputSize">The side images are cropped to, for a model exported with a symbolic size (<c>nirhost.input_size</c> 0).</param>
    public OnnxEmbedder(string modelPath, int threads = 0, int? inputSize = null)
    {
        ModelPath = Path.GetFullPath(modelPath);
        if (!File.Exists(ModelPath))
        {
            throw new FileNotFoundException($"{ModelPath}: no such ONNX model.", ModelPath);
        }
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0)
        {
            options.IntraOpNumThreads = threads;
        }
        try
        {
            _session = new InferenceSession(ModelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{ModelPath}: ONNX Runtime cannot load it: {e.Message}", e);
        }
        try
        {
            Contract = OnnxModelContract.Read(_session.ModelMetadata.CustomMetadataMap, ModelPath);
            if (!_session.InputMetadata.ContainsKey(OnnxModelContract.InputName) || !_session.OutputMetadata.ContainsKey(OnnxModelContract.EmbeddingsName))
            {
                throw new InvalidDataException(
                    $"{ModelPath}: the graph has no input '{OnnxModelContract.InputName}' or no output '{OnnxModelContract.EmbeddingsName}' " +
                    $"(inputs {string.Join(", ", _session.InputMetadata.Keys)}; outputs {string.Join(", ", _session.OutputMetadata.Keys)}).");
            }
            var size = inputSize ?? Contract.Input.Size;
            if (size <= 0)
            {
                throw new ArgumentException($"{ModelPath} takes images of any size (nirhost.input_size 0); give the size to crop them to.", nameof(inputSize));
            }
            if (Contract.Input.Size > 0 && size != Contract.Input.Size)
            {
                throw new ArgumentException($"{ModelPath} takes {Contract.Input.Size} px images, not {size}.", nameof(inputSize));
            }
            // The evaluation transform, which every augmentation but 'big' shares; an exported model records the crop it took.
            _pipeline = new ImagePipeline(new ImageTransform(Augmentation.None, size), Contract.Input);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _decodeThreads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    public string ModelPath { get; }

    public OnnxModelContract Contract { get; }

    public int Dimension => Contract.EmbeddingDim;

    /// <summary>The side of the square images the model is fed.</summary>
    public int ImageSize => _pipeline.OutputSize;

    /// <summary>The embeddings of image files, row-major ([paths.Count, <see cref="Dimension"/>]); an unreadable image is an error naming it.</summary>
    public float[] EmbedFiles(IReadOnlyList<string> paths)
    {
        var perImage = _pipeline.ValuesPerImage;
        var prepared = new float[paths.Count * perImage];
        Decode(paths.Count, (i, output) => _pipeline.Load(paths[i], null, output), prepared);
        return Run(prepared, paths.Count);
    }

    /// <summary>The embedding of one encoded image (PNG, JPEG, ... bytes); <paramref name="name"/> names it in errors.</summary>
    public float[] EmbedEncoded(byte[] encoded, string name)
    {
        var prepared = new float[_pipeline.ValuesPerImage];
        _pipeline.LoadEvaluation(encoded, name, prepared);
        return Run(prepared, 1);
    }

    /// <summary>
    /// Embeds <paramref name="paths"/> into an embeddings file at <paramref name="outPath"/> (rows with paths, no labels), streamed
    /// batch by batch, the next batch decoded while the model runs on the current one. With <paramref name="skipUnreadable"/>,
    /// images that cannot be decoded are left out and counted; otherwise the first is an error naming it.
    /// </summary>
    public EmbeddingOutcome EmbedToFile(IReadOnlyList<string> paths, string outPath, int batchSize, IReadOnlyDictionary<string, string> metadata,
        bool skipUnreadable, Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        using var writer = new EmbeddingsWriter(outPath, paths.Count, Dimension, paths, withLabels: false, metadata);
        var skipped = 0;
        string? firstSkipped = null;
        Task<(float[] Values, List<int> Kept)> Load(int start) =>
            Task.Run(() => LoadBatch(paths, start, Math.Min(batchSize, paths.Count - start), skipUnreadable));
        var next = paths.Count > 0 ? Load(0) : null;
        for (var start = 0; start < paths.Count; start += batchSize)
        {
            var (values, kept) = next!.GetAwaiter().GetResult();
            next = start + batchSize < paths.Count ? Load(start + batchSize) : null;
            var taken = Math.Min(batchSize, paths.Count - start);
            if (kept.Count < taken)
            {
                skipped += taken - kept.Count;
                firstSkipped ??= paths[Enumerable.Range(start, taken).First(i => !kept.Contains(i))];
            }
            if (kept.Count > 0)
            {
                writer.Append(Run(values, kept.Count), [], [.. kept.Select(i => paths[i])]);
            }
            progress?.Invoke(start + taken);
        }
        if (writer.Count == 0)
        {
            throw new InvalidDataException($"No image of {paths.Count} could be read; nothing to embed.");
        }
        writer.Complete();
        return new EmbeddingOutcome(writer.Count, Dimension, skipped, firstSkipped);
    }

    /// <summary>Images start..start+count prepared; the unreadable ones left out (and their rows dropped) when <paramref name="skipUnreadable"/>.</summary>
    private (float[] Values, List<int> Kept) LoadBatch(IReadOnlyList<string> paths, int start, int count, bool skipUnreadable)
    {
        var perImage = _pipeline.ValuesPerImage;
        var values = new float[count * perImage];
        var readable = new bool[count];
        Decode(count, (i, output) =>
        {
            try
            {
                _pipeline.Load(paths[start + i], null, output);
                readable[i] = true;
            }
            catch (Exception e) when (skipUnreadable && e is InvalidDataException or IOException)
            {
                // Counted by the caller from the rows missing in Kept.
            }
        }, values);
        var kept = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            if (readable[i])
            {
                // Close up the rows of skipped images, so that the batch holds kept.Count images in order.
                values.AsSpan(i * perImage, perImage).CopyTo(values.AsSpan(kept.Count * perImage, perImage));
                kept.Add(start + i);
            }
        }
        return (values, kept);
    }

    private void Decode(int count, Action<int, Span<float>> load, float[] values)
    {
        var perImage = _pipeline.ValuesPerImage;
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _decodeThreads },
                i => load(i, values.AsSpan(i * perImage, perImage)));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first unreadable image, as a sequential loop would report it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>The model on <paramref name="count"/> prepared images (the first values of <paramref name="prepared"/>).</summary>
    private float[] Run(float[] prepared, int count)
    {
        var size = _pipeline.OutputSize;
        var channels = Contract.Input.Channels;
        var length = count * channels * size * size;
        var input = new DenseTensor<float>(prepared.AsMemory(0, length), [count, channels, size, size]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(OnnxModelContract.InputName, input)], [OnnxModelContract.EmbeddingsName]);
        var embeddings = results[0].AsTensor<float>();
        if (embeddings.Dimensions.Length != 2 || embeddings.Dimensions[0] != count || embeddings.Dimensions[1] != Dimension)
        {
            throw new InvalidDataException(
                $"{ModelPath}: the model gave embeddings [{string.Join(", ", embeddings.Dimensions.ToArray())}] for {count} images; its metadata says {Dimension} wide.");
        }
        return embeddings.ToArray();
    }

    public void Dispose() => _session.Dispose();
}
