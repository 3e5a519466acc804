using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Tests.Support;

namespace NirHost.Tests.Retrieval;

/// <summary>Mistakes on the embed, index and search command lines are errors that name the flag, file or folder.</summary>
public sealed class RetrievalCommandLineTests
{
    private static string EmbedError(params string[] args) =>
        Assert.Throws<CommandLineException>(() => TrainedRunFixture.Embed(args)).Message;

    [Fact]
    public void A_misspelt_flag_is_named_with_the_closest_one()
    {
        var message = EmbedError("run", "--imgaes", "x", "--out", "y");
        Assert.Contains("'--imgaes'", message);
        Assert.Contains("did you mean --images?", message);
    }

    [Fact]
    public void Embed_needs_one_source_of_images_and_an_existing_run_folder()
    {
        using var folder = new TempFolder();
        Assert.Contains("either --images or --dataset", EmbedError(folder.Path, "--images", "a", "--dataset", "synthetic", "--out", "x"));
        Assert.Contains("either --images or --dataset", EmbedError(folder.Path, "--out", "x"));
        Assert.Contains("--out is required", EmbedError(folder.Path, "--images", "a"));
        Assert.Contains("--split val: choose one of train, test, val", EmbedError(folder.Path, "--dataset", "synthetic", "--split", "val:", "--out", "x")
            .Replace("val:: ", "val: ", StringComparison.Ordinal));
        var noRun = EmbedError(folder.Path, "--images", "a", "--out", "x");
        Assert.Contains(folder.Path, noRun);
        Assert.Contains("config.json", noRun);
    }

    [Fact]
    public void Search_takes_image_queries_or_embeddings_and_an_index_that_exists()
    {
        using var folder = new TempFolder();
        var both = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Search("i", "--query", "a.png", "--query-embeddings", "q.safetensors"));
        Assert.Contains("either --query IMAGE... or --query-embeddings FILE", both.Message);
        var runWithEmbeddings = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Search("i", "--query-embeddings", "q", "--run", "r"));
        Assert.Contains("--query-embeddings are embedded already", runWithEmbeddings.Message);
        var k = Assert.Throws<CommandLineException>(() => TrainedRunFixture.Search("i", "--query-embeddings", "q", "-k", "0"));
        Assert.Contains("-k 0", k.Message.Replace("--k", "-k", StringComparison.Ordinal));
        var missing = Path.Combine(folder.Path, "none.index");
        Assert.Contains(missing, Assert.Throws<IOException>(() => TrainedRunFixture.Search(missing, "--query-embeddings", "q")).Message);
        var index = Assert.Throws<CommandLineException>(() => IndexCommand.Run(["make", "x"], TextWriter.Null, Spectre.Console.AnsiConsole.Console));
        Assert.Contains("subcommand is build", index.Message);
    }
}
