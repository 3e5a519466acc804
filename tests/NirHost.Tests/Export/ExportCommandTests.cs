using Microsoft.ML.OnnxRuntime;
using NirHost.Abstractions;
using NirHost.Export;
using NirHost.Inference;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Training;
using NirHost.Plugins.Architectures;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary><c>nirhost export</c> on a trained run folder: the checkpoint it names, the run's config and size in the metadata, clear refusals.</summary>
public sealed class ExportCommandTests(ExportCommandTests.TrainedRun run) : IClassFixture<ExportCommandTests.TrainedRun>, IDisposable
{
    /// <summary>One tiny run (one epoch, best checkpoints kept) that every test exports from, trained once.</summary>
    public sealed class TrainedRun : IDisposable
    {
        private readonly TempFolder _folder = new();

        public TrainedRun() => Folder = HostHarness.Train(HostHarness.TinyRun(_folder.Path, ["--n_epochs", "1", "--store_improvements", "--no_train_metrics"])).RunFolder;

        public string Folder { get; }

        public void Dispose() => _folder.Dispose();
    }

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static int Export(params string[] args) =>
        ExportCommand.Run(HostHarness.Catalog, RunCommandLine.BuildFlags(HostHarness.Catalog), args, TextWriter.Null);

    [Theory]
    [InlineData("last", TrainingCheckpoint.FileName)]
    [InlineData("best", "checkpoint_Test_e_recall_1.safetensors")]
    public void Exports_the_named_checkpoint_with_the_runs_config_and_trained_size(string choice, string file)
    {
        var onnx = Path.Combine(_folder.Path, "model.onnx");

        Assert.Equal(0, Export(run.Folder, "--onnx", onnx, "--checkpoint", choice));

        using var session = new InferenceSession(onnx);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("convnet_normalize", metadata[OnnxMetadataKeys.Architecture]);
        Assert.Equal("32", metadata[OnnxMetadataKeys.InputSize]);
        Assert.Equal([-1, 3, 32, 32], session.InputMetadata[OnnxExporter.InputName].Dimensions);
        Assert.Equal(File.ReadAllText(Path.Combine(run.Folder, RunConfigFile.FileName)), metadata[OnnxMetadataKeys.Config]);
        Assert.Equal(file, metadata[OnnxMetadataKeys.Checkpoint]);
        Assert.False(File.Exists(onnx + ".tmp"));

        // The exported numbers are the checkpoint's: the same network loaded from that file gives the same embeddings.
        random.manual_seed(9);
        using var model = new ConvNetArchitecture(new ConvNetOptions { Width = 16 }, TestSetups.Create(embedDim: 32), OnnxModels.Spec("convnet", "normalize"));
        TrainingCheckpoint.LoadModel(Path.Combine(run.Folder, file), model);
        model.eval();
        using var images = randn(4, 3, 32, 32);
        var (expected, _) = OnnxModels.Forward(model, images);
        var (actual, _) = OnnxModels.Run(session, images.data<float>().ToArray(), images.shape);
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-5, $"{pair.First} vs {pair.Second}"));
    }

    [Fact]
    public void The_nirhost_executable_exports_and_refuses_with_exit_code_2()
    {
        var onnx = Path.Combine(_folder.Path, "cli.onnx");

        var (exit, output, error) = DotnetCli.Nirhost("export", run.Folder, "--onnx", onnx, "--opset", "15");
        Assert.True(exit == 0, error);
        Assert.Contains("opset 15", output);
        using (var session = new InferenceSession(onnx))
        {
            Assert.Equal("convnet_normalize", session.ModelMetadata.CustomMetadataMap[OnnxMetadataKeys.Architecture]);
        }

        (exit, _, error) = DotnetCli.Nirhost("export", _folder.Path, "--onnx", onnx);
        Assert.Equal(2, exit);
        Assert.Contains(RunConfigFile.FileName, error);
    }

    [Fact]
    public void Refusals_name_the_flag_and_the_file()
    {
        var onnx = Path.Combine(_folder.Path, "model.onnx");

        var error = Assert.Throws<CommandLineException>(() => Export(run.Folder));
        Assert.Contains("--onnx FILE", error.Message);
        // The same run without its best-model checkpoints.
        var withoutBest = Directory.CreateDirectory(Path.Combine(_folder.Path, "without-best")).FullName;
        foreach (var name in new[] { RunConfigFile.FileName, TrainingCheckpoint.FileName })
        {
            File.Copy(Path.Combine(run.Folder, name), Path.Combine(withoutBest, name));
        }
        error = Assert.Throws<CommandLineException>(() => Export(withoutBest, "--onnx", onnx, "--checkpoint", "best"));
        Assert.Contains("--checkpoint best", error.Message);
        Assert.Contains("--store_improvements", error.Message);
        error = Assert.Throws<CommandLineException>(() => Export(run.Folder, "--onnx", onnx, "--checkpoint", "nowhere.safetensors"));
        Assert.Contains("--checkpoint nowhere.safetensors", error.Message);
        error = Assert.Throws<CommandLineException>(() => Export(run.Folder, "--onnx", onnx, "--opset", "18"));
        Assert.Contains("--opset 18", error.Message);
        error = Assert.Throws<CommandLineException>(() => Export(_folder.Path, "--onnx", onnx));
        Assert.Contains(RunConfigFile.FileName, error.Message);
        Assert.False(File.Exists(onnx));
    }
}
