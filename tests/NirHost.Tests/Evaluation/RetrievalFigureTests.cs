using NirHost.Abstractions;
using NirHost.Evaluation;
using NirHost.Host.Evaluation;
using NirHost.Tests.Support;
using SkiaSharp;
using static TorchSharp.torch;

namespace NirHost.Tests.Evaluation;

/// <summary>The sample retrieval figure: every row is a query and its nearest neighbours, framed by correctness.</summary>
public sealed class RetrievalFigureTests
{
    /// <summary>Images of one flat grey level that encodes the sample's index, so the figure can be read back.</summary>
    private sealed class IndexedImages(int[] labels) : IDataSplit
    {
        public string Name => "test";

        public int Count => labels.Length;

        public IReadOnlyList<int> Labels => labels;

        public int NumClasses => labels.Max() + 1;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation)
        {
            var values = indices.ToArray().Select(i => (float)(i * 20 + 10) / 255).ToArray();
            return tensor(values).reshape(-1, 1, 1, 1).expand(-1, 3, 16, 16).contiguous();
        }

        public Tensor DisplayImage(int index) => full(new long[] { 3, 16, 16 }, (index * 20 + 10) / 255.0, dtype: float32);
    }

    [Fact]
    public void Rows_show_each_query_with_its_nearest_neighbours_framed_green_when_of_its_class_and_red_otherwise()
    {
        // One dimension: the neighbours of every sample are obvious, and samples 3 and 4 sit between classes.
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        float[] positions = [0, 1, 2, 5, 6, 9, 10, 11, 12, 13];
        using var embeddings = tensor(positions).reshape(-1, 1);
        using var data = new EvaluationData(embeddings, labels, 2);
        data.Prepare(RetrievalFigure.Needs);
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, RetrievalFigure.FileName);

        Assert.True(RetrievalFigure.Write(path, data, new IndexedImages(labels), seed: 3));

        using var figure = SKBitmap.Decode(path);
        Assert.Equal(4 * 116 + 4, figure.Width);
        Assert.Equal(10 * 116 + 4, figure.Height);
        var nearest = data.NearestNeighbourIndices(3, cosine: false);
        var sawRed = false;
        for (var row = 0; row < 10; row++)
        {
            int IndexAt(int column) => (figure.GetPixel(4 + column * 116 + 56, 4 + row * 116 + 56).Red - 10) / 20;
            SKColor FrameAt(int column) => figure.GetPixel(4 + column * 116 + 2, 4 + row * 116 + 56);
            var query = IndexAt(0);
            Assert.Equal(SKColors.RoyalBlue, FrameAt(0));
            for (var column = 1; column <= 3; column++)
            {
                var neighbour = IndexAt(column);
                Assert.Equal(nearest[query, column - 1], neighbour);
                var expected = labels[neighbour] == labels[query] ? SKColors.ForestGreen : SKColors.Crimson;
                sawRed |= expected == SKColors.Crimson;
                Assert.Equal(expected, FrameAt(column));
            }
        }
        Assert.True(sawRed, "the seed should draw a query with a neighbour of another class");
    }

    /// <summary>Display images made through an intermediate that nothing else frees, as the default stretch does.</summary>
    private sealed class LeavingImages(int[] labels) : IDataSplit
    {
        public List<Tensor> LeftBehind { get; } = [];
        public string Name => "test";
        public int Count => labels.Length;
        public IReadOnlyList<int> Labels => labels;
        public int NumClasses => labels.Max() + 1;

        public Tensor LoadBatch(ReadOnlySpan<int> indices, Random? augmentation) => zeros(indices.Length, 3, 16, 16);

        public Tensor DisplayImage(int index)
        {
            var raw = full(new long[] { 3, 16, 16 }, index / 20.0, dtype: float32);
            LeftBehind.Add(raw);
            return raw.clamp(0, 1);
        }
    }

    [Fact]
    public void Intermediates_of_the_display_images_are_freed_with_the_figure()
    {
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        using var embeddings = tensor(new float[] { 0, 1, 2, 5, 6, 9, 10, 11, 12, 13 }).reshape(-1, 1);
        using var data = new EvaluationData(embeddings, labels, 2);
        data.Prepare(RetrievalFigure.Needs);
        using var folder = new TempFolder();
        var split = new LeavingImages(labels);

        Assert.True(RetrievalFigure.Write(Path.Combine(folder.Path, RetrievalFigure.FileName), data, split, seed: 3));

        Assert.Equal(40, split.LeftBehind.Count);
        Assert.All(split.LeftBehind, raw => Assert.True(raw.IsInvalid, "a display image's intermediate was not freed"));
    }
}
